"""Benchmarks of the core engine against hand-written Python/numpy, in one process.

Run:  python bench/bench_core.py [--quick]

Each workload runs adkit and a hand-written baseline on the same data and prints the times and
their ratio. These are measurements, not tests: nothing here fails on a slow machine.
"""
import argparse
import gc
import math
import time

import numpy as np

import adkit as ad
import adkit.numpy as anp


def best_times(fns, repeat):
    """Best wall time of each function over ``repeat`` runs (the least disturbed by the rest of
    the machine), the runs interleaved so that a busy spell slows them all alike."""
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def moons(n, noise=0.1, seed=0):
    """Two interleaving half circles (like sklearn's make_moons), labels 0/1."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    t_out = rng.uniform(0, math.pi, n_out)
    t_in = rng.uniform(0, math.pi, n - n_out)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out), np.ones(n - n_out)])
    return X + rng.normal(scale=noise, size=X.shape), y


# --- 1. scalar MLP, written scalar by scalar ------------------------------------------------

SIZES = (2, 16, 16, 1)


def mlp_param_count():
    return sum((a + 1) * b for a, b in zip(SIZES, SIZES[1:]))


def mlp_loss(params, X, Y, tanh):
    """Summed squared loss of a tanh MLP; params is a flat list of scalars."""
    loss = 0.0
    for x, y in zip(X, Y):
        act, k = x, 0
        for layer, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
            new = []
            for _ in range(n_out):
                s = params[k + n_in]  # bias
                for i in range(n_in):
                    s = s + params[k + i] * act[i]
                k += n_in + 1
                new.append(tanh(s) if layer < len(SIZES) - 2 else s)
            act = new
        d = act[0] - y
        loss = loss + d * d
    return loss


def mlp_by_hand(params, X, Y):
    """The same loss and its gradient, with the backward pass written out by hand."""
    grad = [0.0] * len(params)
    loss = 0.0
    for x, y in zip(X, Y):
        acts, pres, k = [x], [], 0
        for layer, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
            act, new, pre = acts[-1], [], []
            for _ in range(n_out):
                s = params[k + n_in]
                for i in range(n_in):
                    s += params[k + i] * act[i]
                k += n_in + 1
                pre.append(s)
                new.append(math.tanh(s) if layer < len(SIZES) - 2 else s)
            acts.append(new)
            pres.append(pre)
        d = acts[-1][0] - y
        loss += d * d
        delta = [2 * d]
        k_end = len(params)
        for layer in range(len(SIZES) - 2, -1, -1):
            n_in, n_out = SIZES[layer], SIZES[layer + 1]
            k0 = k_end - (n_in + 1) * n_out
            act = acts[layer]
            back = [0.0] * n_in
            for j in range(n_out):
                base = k0 + j * (n_in + 1)
                dj = delta[j]
                grad[base + n_in] += dj
                for i in range(n_in):
                    grad[base + i] += dj * act[i]
                    back[i] += dj * params[base + i]
            if layer > 0:
                delta = [b * (1 - math.tanh(p) ** 2) for b, p in zip(back, pres[layer - 1])]
            k_end = k0
    return loss, grad


def bench_scalar_mlp(quick):
    X, Y = moons(20 if quick else 100)
    X, Y = X.tolist(), (2 * Y - 1).tolist()
    params = list(np.random.default_rng(1).normal(scale=0.5, size=mlp_param_count()))
    params = [float(p) for p in params]
    f = lambda *p: mlp_loss(p, X, Y, ad.tanh)  # noqa: E731
    n_ops = len(ad.trace(f, *params))
    vg = ad.value_and_grad(f, argnums=tuple(range(len(params))))
    value, grads = vg(*params)
    ref_value, ref_grads = mlp_by_hand(params, X, Y)
    assert math.isclose(value, ref_value, rel_tol=1e-9)
    assert np.allclose(grads, ref_grads, rtol=1e-7, atol=1e-10)
    cvg = ad.compile(vg)
    start = time.perf_counter()
    c_value, c_grads = cvg(*params)  # the first call traces and generates the code
    t_compile = time.perf_counter() - start
    assert math.isclose(c_value, value, rel_tol=1e-12) and np.allclose(c_grads, grads, rtol=1e-12)
    times = best_times({"ad": lambda: vg(*params), "hand": lambda: mlp_by_hand(params, X, Y),
                        "compiled": lambda: cvg(*params)}, 3 if quick else 7)
    t_ad, t_hand, t_c = times["ad"], times["hand"], times["compiled"]
    print(f"scalar MLP {SIZES}, {len(X)} points, {n_ops} primitive ops, forward + backward:")
    print(f"  adkit       {t_ad * 1e3:8.1f} ms   {t_ad / n_ops * 1e6:.2f} µs/op   (target ≤ 1.0)")
    print(f"  adkit compiled {t_c * 1e3:5.1f} ms   {t_c / n_ops * 1e6:.3f} µs/op  (target ≤ 0.1); "
          f"compile time {t_compile:.2f} s (target ≤ 1; the lecture example "
          f"{compile_time_small() * 1e3:.2f} ms)")
    print(f"  by hand     {t_hand * 1e3:8.1f} ms   {t_hand / n_ops * 1e6:.2f} µs/op")
    print(f"  ratio       {t_ad / t_hand:8.2f}×")
    return t_ad / n_ops * 1e6


def compile_time_small(repeat=20):
    """Best time of a first call of ``ad.compile`` on the lecture example's value and gradient
    (trace, generate, Python's compile), each time a fresh compiled function."""
    vg = ad.value_and_grad(lambda x1, x2: x1 * x2 + ad.sin(x1), argnums=(0, 1))
    best = float("inf")
    for _ in range(repeat):
        cvg = ad.compile(vg)
        start = time.perf_counter()
        cvg(2.0, 5.0)
        best = min(best, time.perf_counter() - start)
    return best


# --- 2. logistic regression (lecture 004) -----------------------------------------------------

def bench_logistic(quick):
    X, y = moons(500)
    steps = 20 if quick else 100
    rate = 0.001

    def loss(w):
        p = 0.5 * (anp.tanh(anp.dot(X, w)) + 1)
        return -anp.sum(anp.log(p) * y + anp.log(1 - p) * (1 - y))

    def loss_and_grad_by_hand(w):
        t = np.tanh(X @ w)
        p = 0.5 * (t + 1)
        value = -np.sum(np.log(p) * y + np.log(1 - p) * (1 - y))
        dp = -(y / p - (1 - y) / (1 - p))
        return value, X.T @ (dp * 0.5 * (1 - t * t))

    grad_loss = ad.grad(loss)

    def train_ad():
        w = np.array([1.0, 1.0])
        for _ in range(steps):
            w = w - rate * grad_loss(w)
        return w

    def train_hand():
        w = np.array([1.0, 1.0])
        for _ in range(steps):
            w = w - rate * loss_and_grad_by_hand(w)[1]
        return w

    compiled_grad = ad.compile(grad_loss)

    def train_compiled():
        w = np.array([1.0, 1.0])
        for _ in range(steps):
            w = w - rate * compiled_grad(w)
        return w

    assert np.allclose(train_ad(), train_hand(), rtol=1e-9)
    assert np.allclose(train_compiled(), train_hand(), rtol=1e-9)
    return report("logistic regression, 500 moons, per gradient step", train_ad, train_hand,
                  steps, 3 if quick else 7, target=6.0, run_compiled=train_compiled,
                  compiled_target=1.3)


# --- 3. two-layer network (lecture 004) ------------------------------------------------------

def bench_two_layer(quick):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 100))
    y = rng.normal(size=(1000, 1))
    steps = 200 if quick else 2000
    rate, batch = 1e-4, 5

    def loss(W1, W2, xb, yb):
        h = anp.relu(xb @ W1)
        return anp.sum((h @ W2 - yb) ** 2)

    grads = ad.grad(loss, argnums=(0, 1))

    def by_hand(W1, W2, xb, yb):
        pre = xb @ W1
        h = np.maximum(pre, 0)
        d = 2 * (h @ W2 - yb)
        dW2 = h.T @ d
        dh = d @ W2.T * (pre > 0)
        return xb.T @ dh, dW2

    def train(grad_fn):
        def run():
            W1 = np.random.default_rng(1).normal(size=(100, 10)) * 0.1
            W2 = np.random.default_rng(2).normal(size=(10, 1)) * 0.1
            for step in range(steps):
                i = (step * batch) % len(X)
                g1, g2 = grad_fn(W1, W2, X[i:i + batch], y[i:i + batch])
                W1 = W1 - rate * g1
                W2 = W2 - rate * g2
            return W1, W2
        return run

    a, b = train(grads)(), train(by_hand)()
    c = train(ad.compile(grads))()
    assert np.allclose(a[0], b[0]) and np.allclose(a[1], b[1])
    assert np.allclose(c[0], b[0]) and np.allclose(c[1], b[1])
    return report("two-layer net 100→10→1, relu, batch 5, per SGD step", train(grads),
                  train(by_hand), steps, 2 if quick else 5, target=4.0,
                  run_compiled=train(ad.compile(grads)), compiled_target=1.1)


# --- 4. the cheap gradient principle -----------------------------------------------------------

def bench_cheap_gradient(quick):
    n = 10 ** 5 if quick else 10 ** 6
    x = np.random.default_rng(0).normal(size=n)

    def g(x):
        return anp.sum(anp.sin(x) * anp.exp(-x ** 2) + anp.log(1 + x ** 2))

    def g_numpy(x):
        return np.sum(np.sin(x) * np.exp(-x ** 2) + np.log(1 + x ** 2))

    def value_and_grad_by_hand(x):
        s, e, q = np.sin(x), np.exp(-x ** 2), 1 + x ** 2
        return np.sum(s * e + np.log(q)), np.cos(x) * e - 2 * x * s * e + 2 * x / q

    vg = ad.value_and_grad(g)
    value, gradient = vg(x)
    assert np.allclose(gradient, value_and_grad_by_hand(x)[1])
    cvg = ad.compile(vg)
    c_value, c_gradient = cvg(x)
    assert np.allclose(c_gradient, gradient, rtol=1e-12) and math.isclose(c_value, value,
                                                                          rel_tol=1e-12)
    times = best_times({"g": lambda: g_numpy(x), "vg": lambda: vg(x), "compiled": lambda: cvg(x),
                        "hand": lambda: value_and_grad_by_hand(x)}, 5 if quick else 15)
    t_g, t_vg, t_c, t_hand = times["g"], times["vg"], times["compiled"], times["hand"]
    print(f"cheap gradient, g(x) = Σ sin(x)·exp(−x²) + log(1+x²), n = {n:,}:")
    print(f"  g (numpy)                 {t_g * 1e3:7.2f} ms")
    print(f"  value_and_grad (adkit)    {t_vg * 1e3:7.2f} ms   ratio {t_vg / t_g:.2f}  (target ≤ 2.4)")
    print(f"  value_and_grad (compiled) {t_c * 1e3:7.2f} ms   ratio {t_c / t_g:.2f}  (target ≤ 2.1)")
    print(f"  value and grad by hand    {t_hand * 1e3:7.2f} ms   ratio {t_hand / t_g:.2f}")
    return t_vg / t_g


def report(title, run_ad, run_hand, steps, repeat, target, run_compiled=None,
           compiled_target=None):
    fns = {"ad": run_ad, "hand": run_hand}
    if run_compiled is not None:
        fns["compiled"] = run_compiled
    times = best_times(fns, repeat)
    t_ad, t_hand = times["ad"], times["hand"]
    print(f"{title}:")
    print(f"  adkit       {t_ad / steps * 1e6:8.1f} µs/step")
    print(f"  by hand     {t_hand / steps * 1e6:8.1f} µs/step")
    print(f"  ratio       {t_ad / t_hand:8.2f}×   (target ≤ {target})")
    if run_compiled is not None:
        t_c = times["compiled"]
        print(f"  adkit compiled {t_c / steps * 1e6:5.1f} µs/step, ratio {t_c / t_hand:.2f}×   "
              f"(target ≤ {compiled_target})")
    return t_ad / t_hand


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--only", choices=["mlp", "logistic", "two-layer", "cheap"], nargs="*")
    args = parser.parse_args()
    workloads = {"mlp": bench_scalar_mlp, "logistic": bench_logistic,
                 "two-layer": bench_two_layer, "cheap": bench_cheap_gradient}
    for name, bench in workloads.items():
        if not args.only or name in args.only:
            bench(args.quick)
            print()


if __name__ == "__main__":
    main()
