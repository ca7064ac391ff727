"""Deck 002's step-size demo as one page: the data and the fitted line, the RSS contours and the
path of the weights; a learning-rate box, STEP (one gradient step) and RESET.

The model is linear regression ŷ = a·x + b with the loss RSS(a, b) = Σ (y − (a·x + b))². Its
per-point loss and gradient are one adkit graph — the gradient recorded by tracing ``ad.grad``
(rules run in Python) — written into the page as a program that the page's evaluator runs on
every data point and sums. A rate above 2/λmax of the RSS Hessian (said on the page) diverges.
"""
import html as _html

import numpy as np

from adkit.pages.shell import BASE_CSS, EVALUATOR_JS, data_island, document, program

TRUE_A, TRUE_B = 2.0, -1.0
START = (-1.0, 4.0)
RATE = 0.01          # the deck's "Set learning rate: 0.01"
VIEW_A = (-3.0, 6.0)  # the weights' window of the contour plot
VIEW_B = (-4.5, 6.0)


def point_loss(a, b, x, y):
    """One data point's squared residual; RSS is its sum over the data."""
    return (y - (a * x + b)) ** 2


def demo_model():
    """``(graph, x, y)``: the per-point graph with outputs (loss, ∂loss/∂a, ∂loss/∂b), and the data."""
    from adkit.datasets import noisy_line
    from adkit.reverse import grad
    from adkit.tracing import trace
    x, y = noisy_line(20, a=TRUE_A, b=TRUE_B, noise=0.5, low=-1.0, high=1.0, seed=1)
    gradient = grad(point_loss, argnums=(0, 1))

    def loss_and_gradient(a, b, x, y):
        da, db = gradient(a, b, x, y)
        return point_loss(a, b, x, y), da, db

    graph = trace(loss_and_gradient, 0.5, 0.5, 0.5, 0.5, names=["a", "b", "x", "y"])
    return graph, x, y


def rss(graph, a, b, x, y):
    """RSS and its gradient by the same graph, summed over the data (a, b may be grids)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    xs = np.reshape(x, (-1,) + (1,) * a.ndim)
    ys = np.reshape(y, (-1,) + (1,) * a.ndim)
    loss, da, db = graph(a, b, xs, ys)
    return np.sum(loss, axis=0), np.sum(da, axis=0), np.sum(db, axis=0)


def _contours(graph, x, y):
    from matplotlib.figure import Figure
    a = np.linspace(*VIEW_A, 121)
    b = np.linspace(*VIEW_B, 121)
    A, B = np.meshgrid(a, b)
    Z = rss(graph, A, B, x, y)[0]
    low = float(Z.min())
    levels = low + (float(Z.max()) - low) * np.linspace(0.03, 0.9, 11) ** 2
    cs = Figure().add_subplot().contour(A, B, Z, levels=levels)
    return [[[round(float(p), 4) for p in point] for point in segment[::2]]
            for level in cs.allsegs for segment in level if len(segment) > 2]


def step_size_demo(rate=RATE):
    """The page's HTML text (write it to a file; it opens in any browser, offline)."""
    from adkit.primitives import sum as total
    from adkit.reverse import hessian
    graph, x, y = demo_model()
    h = hessian(lambda w: total(graph(w[0], w[1], x, y)[0]))(np.zeros(2))
    limit = 2.0 / float(np.linalg.eigvalsh(h)[-1])
    data = {"x": [float(v) for v in x], "y": [float(v) for v in y], "start": list(START),
            "program": program(graph, "step-size demo"), "contours": _contours(graph, x, y),
            "viewA": list(VIEW_A), "viewB": list(VIEW_B), "limit": limit}
    body = f"""<h1>Demo for the influence of the step size</h1>
<p class="hint">Linear regression ŷ = a·x + b on {len(x)} points, loss RSS(a, b) = Σ (y − (a·x + b))².
One STEP is W ← W − ε ∇RSS. Steps diverge for ε above 2/λ<sub>max</sub> of the Hessian of RSS
= {limit:.4g}.</p>
<div class="controls">
<label>Set learning rate: <input id="rate" type="text" inputmode="decimal" value="{rate:g}" size="8"></label>
<button id="step" type="button">STEP</button> step <span id="step-count">0</span>
<button id="reset" type="button">RESET</button>
</div>
<p>a = <span id="a"></span>, b = <span id="b"></span>, RSS = <span id="loss"></span>
<span id="warning" class="warning"></span></p>
<div class="panels">
<svg id="fit" width="420" height="340" viewBox="0 0 420 340" role="img" aria-label="data and fitted line"></svg>
<svg id="landscape" width="420" height="340" viewBox="0 0 420 340" role="img" aria-label="RSS contours and path"></svg>
</div>
{data_island("demo-data", data)}"""
    return document("adkit: step-size demo", body, CSS, EVALUATOR_JS + SCRIPT)


CSS = BASE_CSS + """
.panels { display: flex; flex-wrap: wrap; gap: 1.5em; }
svg { border: 1px solid #ccc; background: white; }
#rate { font-size: 1em; width: 6em; }
.warning { color: #c0392b; font-weight: bold; margin-left: 1em; }
#loss, #step-count { font-weight: bold; }
"""

SCRIPT = r"""
(function () {
  const D = JSON.parse(document.getElementById("demo-data").textContent);
  const NS = document.getElementById("fit").namespaceURI, W = 420, H = 340, M = 38;
  const el = (name, attrs, parent) => {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e); return e;
  };
  const scale = (lo, hi, a, b) => v => a + (v - lo) / (hi - lo) * (b - a);
  const xs = D.x, ys = D.y;
  const xRange = [Math.min(...xs) - 0.2, Math.max(...xs) + 0.2];
  // the y range holds the data and the starting line, so the first frame shows where it starts
  const startY = xRange.map(x => D.start[0] * x + D.start[1]);
  const yRange = [Math.min(...ys, ...startY) - 1, Math.max(...ys, ...startY) + 1];
  const fx = scale(xRange[0], xRange[1], M, W - 10), fy = scale(yRange[0], yRange[1], H - M, 10);
  const la = scale(D.viewA[0], D.viewA[1], M, W - 10), lb = scale(D.viewB[0], D.viewB[1], H - M, 10);
  const fit = document.getElementById("fit"), land = document.getElementById("landscape");
  function axes(svg, xLabel, yLabel) {
    el("line", {x1: M, y1: H - M, x2: W - 10, y2: H - M, stroke: "#888"}, svg);
    el("line", {x1: M, y1: 10, x2: M, y2: H - M, stroke: "#888"}, svg);
    el("text", {x: W - 14, y: H - M - 6, "font-size": 14}, svg).textContent = xLabel;
    el("text", {x: 4, y: 22, "font-size": 14}, svg).textContent = yLabel;
  }
  function ticks(svg, lo, hi, map, horizontal) {  // five labelled ticks along one axis
    for (let k = 0; k <= 4; k++) {
      const v = lo + (hi - lo) * k / 4, p = map(v), label = String(+v.toFixed(1));
      if (horizontal) {
        el("line", {x1: p, y1: H - M, x2: p, y2: H - M + 4, stroke: "#888"}, svg);
        el("text", {x: p, y: H - M + 16, "text-anchor": "middle", "font-size": 11, fill: "#555"}, svg).textContent = label;
      } else {
        el("line", {x1: M - 4, y1: p, x2: M, y2: p, stroke: "#888"}, svg);
        el("text", {x: M - 6, y: p + 4, "text-anchor": "end", "font-size": 11, fill: "#555"}, svg).textContent = label;
      }
    }
  }
  axes(fit, "x", "y");
  axes(land, "a", "b");
  ticks(fit, xRange[0], xRange[1], fx, true); ticks(fit, yRange[0], yRange[1], fy, false);
  ticks(land, D.viewA[0], D.viewA[1], la, true); ticks(land, D.viewB[0], D.viewB[1], lb, false);
  xs.forEach((x, i) => el("circle", {cx: fx(x), cy: fy(ys[i]), r: 3.5, fill: "#1f5fbf"}, fit));
  const line = el("line", {stroke: "#c0392b", "stroke-width": 2.5}, fit);
  const clip = el("clipPath", {id: "plot-area"}, el("defs", {}, land));
  el("rect", {x: M, y: 10, width: W - 10 - M, height: H - M - 10}, clip);
  const inner = el("g", {"clip-path": "url(#plot-area)"}, land);
  for (const seg of D.contours)
    el("polyline", {points: seg.map(([a, b]) => la(a) + "," + lb(b)).join(" "), fill: "none",
                    stroke: "#9bb7d4", "stroke-width": 1.2}, inner);
  const path = el("polyline", {fill: "none", stroke: "#c0392b", "stroke-width": 2}, inner);
  const dots = el("g", {}, inner);

  function lossAndGradient(a, b) {  // the adkit graph, run on every point and summed
    let loss = 0, da = 0, db = 0;
    for (let i = 0; i < xs.length; i++) {
      const [l, ga, gb] = runProgram(D.program, {a: a, b: b, x: xs[i], y: ys[i]});
      loss += l; da += ga; db += gb;
    }
    return [loss, da, db];
  }
  let w, trail, count;
  const fmt = v => (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3)) ? v.toExponential(3) : v.toPrecision(5);
  function show() {
    const [a, b] = w, loss = lossAndGradient(a, b)[0];
    document.getElementById("a").textContent = fmt(a);
    document.getElementById("b").textContent = fmt(b);
    document.getElementById("loss").textContent = fmt(loss);
    document.getElementById("step-count").textContent = String(count);
    const lo = xRange[0], hi = xRange[1];
    const clampY = v => Math.max(-1e4, Math.min(1e4, v));
    line.setAttribute("x1", fx(lo)); line.setAttribute("y1", clampY(fy(a * lo + b)));
    line.setAttribute("x2", fx(hi)); line.setAttribute("y2", clampY(fy(a * hi + b)));
    const pts = trail.map(([a, b]) => [la(a), lb(b)].map(v => Math.max(-1e4, Math.min(1e4, v))));
    path.setAttribute("points", pts.map(p => p.join(",")).join(" "));
    dots.replaceChildren();
    pts.forEach(([px, py]) => el("circle", {cx: px, cy: py, r: 3, fill: "#c0392b"}, dots));
    const rate = readRate();
    document.getElementById("warning").textContent =
      !Number.isFinite(rate) ? "the learning rate must be a number" :
      rate > D.limit ? "this rate is above 2/λmax: the steps diverge" : "";
  }
  function readRate() {
    const t = document.getElementById("rate").value.trim();
    return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? parseFloat(t) : NaN;
  }
  function reset() { w = D.start.slice(); trail = [w.slice()]; count = 0; show(); }
  function step() {
    const rate = readRate();
    if (!Number.isFinite(rate)) { show(); return; }
    const [, da, db] = lossAndGradient(w[0], w[1]);
    w = [w[0] - rate * da, w[1] - rate * db];
    trail.push(w.slice()); count += 1; show();
  }
  document.getElementById("step").addEventListener("click", step);
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("rate").addEventListener("input", show);
  reset();
})();
"""
