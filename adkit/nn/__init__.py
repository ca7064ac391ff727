"""adkit.nn: neural-network ops and Keras-style models built from adkit's primitives."""
from adkit.nn.ops import *  # noqa: F401,F403
