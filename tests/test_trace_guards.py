"""A graph from ad.trace checks the decisions it recorded (branches, sort orders, masks) when it is
replayed at another point: a different decision is one clear ADError, never the other branch's
number."""
import numpy as np
import pytest

import adkit as ad
import adkit.numpy as anp
from adkit.sources import as_graph


def branchy(x):
    if x > 0:
        return x * x
    return -x


GUARD = ("trace: this graph was recorded where `x > 0` was True; at x=-1.0 it is False; trace "
         "again at this point or use ad.compile, which re-traces")


def test_a_replay_on_the_recorded_branch_gives_its_numbers():
    g = ad.trace(branchy, 1.0)
    assert g(2.0) == 4.0
    assert ad.grad(g)(3.0) == 6.0


def test_a_replay_that_takes_the_other_branch_is_refused_by_name():
    g = ad.trace(branchy, 1.0)
    with pytest.raises(ad.ADError) as e:
        g(-1.0)
    assert str(e.value) == GUARD


@pytest.mark.parametrize("use", [
    lambda g: ad.grad(g)(-1.0),
    lambda g: ad.jvp(g, (-1.0,), (1.0,)),
    lambda g: ad.compile(g)(-1.0),
    lambda g: ad.forward_table(g, at={"x": -1.0}),
    lambda g: ad.reverse_table(g, at={"x": -1.0}),
    lambda g: as_graph(g, at={"x": 2.0})(-1.0),          # the copy at a point keeps the guards
])
def test_every_replay_of_a_traced_graph_checks_its_branches(use):
    g = ad.trace(branchy, 1.0)
    with pytest.raises(ad.ADError, match="recorded where `x > 0` was True; at x=-1.0"):
        use(g)


def test_a_compiled_replay_guards_the_graph_s_decision_too():
    cf = ad.compile(ad.trace(branchy, 1.0))
    assert cf(2.0) == 4.0
    with pytest.raises(ad.ADError, match="`x > 0` was True"):
        cf(-1.0)  # the generated code's guard fails, the re-trace replays the graph: refused


def test_a_sort_order_and_a_mask_are_decisions_too():
    x = np.array([1.0, 3.0, 2.0])
    smallest = ad.trace(lambda x: anp.sort(x)[0] * 2.0, x)
    assert smallest(x) == 2.0
    with pytest.raises(ad.ADError, match=r"sort order, argmax, mask or integer was read from `x` ="
                                         r" \[1. 3. 2.\]; at x=\[3. 1. 2.\]; trace again"):
        smallest(np.array([3.0, 1.0, 2.0]))
    positive = ad.trace(lambda x: anp.sum(x[x > 0]), np.array([1.0, np.nan, -2.0]))
    assert positive(np.array([5.0, np.nan, -1.0])) == 5.0  # nan where the trace had nan: same mask
    with pytest.raises(ad.ADError, match=r"read from `x > 0` = \[ True False False\]; at x=.* it is"
                                         r" \[ True False True\]"):
        positive(np.array([5.0, np.nan, 1.0]))


def test_parsed_graphs_and_gradient_tapes_record_no_guards():
    assert ad.parse("x * 2").guards is None
    taped = []
    original = ad.Graph.evaluate

    def spy(self, values):
        taped.append(self.guards)
        return original(self, values)

    ad.Graph.evaluate = spy
    try:
        ad.grad(ad.parse("x * x"))(3.0)
    finally:
        ad.Graph.evaluate = original
    assert taped == [None]


def test_a_function_source_is_traced_at_its_own_point():
    t = ad.forward_table(branchy, at={"x": -1.0})
    assert t.result == -1.0


@pytest.mark.parametrize("f, at, same_decision, other_decision, expected", [
    (lambda x: x[anp.argmax(x)] * 2.0, [1.0, 3.0, 2.0], [1.0, 4.0, 2.0], [5.0, 4.0, 2.0], 8.0),
    (lambda x: anp.sort(x)[0], [3.0, 1.0, 2.0], [30.0, 10.0, 20.0], [1.0, 3.0, 2.0], 10.0),
    (lambda x: x[anp.argsort(x)[-1]], [3.0, 1.0, 2.0], [6.0, 1.5, 2.5], [1.0, 3.0, 2.0], 6.0),
    (lambda x: x[x.astype(int)[0]], [1.2, 5.0], [1.7, 5.3], [0.2, 9.0], 5.3),
])
def test_an_order_or_index_guard_is_the_decision_not_the_values(f, at, same_decision,
                                                                 other_decision, expected):
    """Replayed at other values that sort (or index) the same way, the graph gives its numbers;
    only a different order is refused (it once compared the values themselves)."""
    g = ad.trace(f, np.array(at))
    assert g(np.array(same_decision)) == expected
    with pytest.raises(ad.ADError, match="trace again"):
        g(np.array(other_decision))


def test_pinv_s_rank_check_is_a_decision_too():
    m = np.array([[2.0, 1.0], [1.0, 3.0], [0.0, 1.0]])
    g = ad.trace(lambda a: anp.sum(anp.linalg.pinv(a)), m)
    np.testing.assert_allclose(g(m + 0.1), np.sum(np.linalg.pinv(m + 0.1)), rtol=1e-12)


def test_a_branch_replayed_on_many_points_at_once():
    """Vectorised replay (as grading does): every point on the recorded branch gives numbers;
    a point on the other one is the one-line ADError, not numpy's truth-value ValueError."""
    g = ad.trace(branchy, 2.0)
    np.testing.assert_array_equal(g(np.array([1.0, 2.0])), [1.0, 4.0])
    with pytest.raises(ad.ADError, match="`x > 0` was True"):
        g(np.array([1.0, -2.0]))
    with pytest.raises(ad.ADError, match="`x > 0` was True"):
        ad.grade(g, "2*x", "x")
