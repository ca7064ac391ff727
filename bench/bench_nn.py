"""Benchmarks of adkit.nn's Keras-style training on the 8x8 digits, with PyTorch eager for scale.

Run:  python bench/bench_nn.py [--quick] [--threads N]

Models (deck 004's and deck 003's, sized for the digits):
  * MLP  Flatten -> Dense(64, relu) -> Dense(10, softmax), Adam, 10 epochs of batch 32
  * CNN  Conv2D(8, 3x3, same, relu) -> MaxPooling2D(2) -> Flatten -> Dense(10, softmax), Adam(0.01)

Each model trains twice: with eager steps (``jit_compile=False``: the graph recorded and swept at
every step) and compiled ones (``ad.compile`` of the step; the training time includes tracing).
Prints the training time, the best time of one epoch and the test accuracy; when PyTorch is installed,
the time of one epoch of the same model in PyTorch eager (same batches, same optimiser). These
are measurements, not tests: nothing here fails on a slow machine.

BLAS threads are limited (1 by default, before numpy loads): the matrices are small, and on a
busy machine OpenBLAS's threads spinning against each other cost far more than they give.
"""
import argparse
import os
import sys


def _threads_from_argv():
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, _threads_from_argv())

import time  # noqa: E402


import adkit.nn as nn  # noqa: E402
from adkit.datasets import digits_split  # noqa: E402


def mlp():
    return nn.Sequential([nn.Flatten(input_shape=(8, 8)), nn.Dense(64, activation="relu"),
                          nn.Dense(10, activation="softmax")]), "adam", (8, 8)


def cnn():
    return nn.Sequential([nn.Conv2D(8, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
                          nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(10, activation="softmax")]), \
        nn.Adam(learning_rate=0.01), (8, 8, 1)


def train_adkit(build, data, epochs, jit):
    (x_train, y_train), (x_test, y_test) = data
    nn.set_random_seed(0)
    model, optimizer, shape = build()
    x_train, x_test = x_train.reshape((-1,) + shape), x_test.reshape((-1,) + shape)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=jit)
    epoch_times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=1, batch_size=32, verbose=0)
        epoch_times.append(time.perf_counter() - start)
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    return sum(epoch_times), min(epoch_times), accuracy


def torch_epoch(kind, data):
    """One epoch of the same model in PyTorch eager (best of 3), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    torch.manual_seed(0)
    (x_train, y_train), _ = data
    if kind == "MLP":
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                    torch.nn.Linear(64, 10))
        x = torch.tensor(x_train, dtype=torch.float64)
        rate = 1e-3
    else:
        model = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(),
                                    torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                    torch.nn.Linear(128, 10))
        x = torch.tensor(x_train[:, None], dtype=torch.float64)   # NCHW
        rate = 1e-2
    model = model.double()
    y = torch.tensor(y_train, dtype=torch.long)
    optimizer = torch.optim.Adam(model.parameters(), lr=rate, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 32):
            batch = order[i:i + 32]
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 epochs instead of 10")
    parser.add_argument("--threads", default="1", help="BLAS threads (default 1)")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else 10
    data = digits_split()
    print(f"digits: {len(data[0][0])} training and {len(data[1][0])} test images; batch 32, "
          f"{epochs} epochs; BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"{'model':<6} {'step':<9} {'train time':>11} {'per epoch':>10} {'test acc':>9} "
          f"{'torch epoch':>12}")
    for kind, build in (("MLP", mlp), ("CNN", cnn)):
        reference = torch_epoch(kind, data)
        torch_text = "(no torch)" if reference is None else f"{reference * 1000:9.0f} ms"
        for jit in (False, True):
            total, per_epoch, accuracy = train_adkit(build, data, epochs, jit)
            print(f"{kind:<6} {'compiled' if jit else 'eager':<9} {total:10.2f}s "
                  f"{per_epoch * 1000:8.1f} ms {accuracy:9.3f} {torch_text:>12}")


if __name__ == "__main__":
    main()
