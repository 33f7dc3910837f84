// The explorer: the current drawing followed through the network (the forward pass), and one step
// of learning on it (backpropagation, a gradient step, the gradient check), each step with this
// drawing's numbers and the Python lines that computed them. The Python is the worker's
// (worker-explorer.js -> scratchnn/browser/explorer.py); this module only shows what it returns.
//
// Every number shown carries its full value in data-value and its name in data-q ("Z1:17",
// "A2:3", "loss"), so that the end-to-end tests compare what is on the page with CPython's.

import { PALETTE, drawInput } from "./view.js";

const $ = (id) => document.getElementById(id);
const TOP = 12; // explorer.TOP_UNITS: the units shown by name
const CHANGED = 6; // units whose weight pictures are shown before and after a step

/** A number for reading: 4 significant digits, scientific when very small or large. */
export function format(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const size = Math.abs(x);
  return size >= 1e-3 && size < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/** The number typed in the field `id` (NaN when it is empty or not a number: Python says why). */
const readNumber = (id) => ($(id).value.trim() === "" ? NaN : Number($(id).value));

const escape = (text) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** A shown number: its text, and its name and full value for the tests (and a tooltip). */
const num = (value, name, text = format(value)) =>
  `<span class="num" data-q="${name}" data-value="${value}" title="${value}">${text}</span>`;
/** "+ 0.19" or "- 0.19" (the number shown is the bias itself, its value kept whole in data-value). */
const plus = (value, name) => `${value < 0 ? "−" : "+"} ${num(value, name, format(Math.abs(value)))}`;
const percent = (p) => (Number.isFinite(p) ? `${(p * 100).toFixed(p > 0.999 || p < 0.001 ? 2 : 1)}%` : "not a number");

/** `values` (a typed array, from `offset`, 784 of them) as a 28x28 picture: sign by colour,
 * size by brightness, scaled by `scale` (the largest magnitude shown). */
function drawSigned(canvas, values, offset = 0, scale = 0) {
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  let top = scale;
  if (!top) for (let i = 0; i < 784; i++) top = Math.max(top, Math.abs(values[offset + i]));
  for (let i = 0; i < 784; i++) {
    const byte = top > 0 ? Math.round(127.5 + (127.5 * values[offset + i]) / top) : 128;
    const [r, g, b] = PALETTE[Math.min(255, Math.max(0, byte))];
    image.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

/** One bar per value of `values`, in the order `order`: up in amber when positive, down in blue. */
function drawStrip(canvas, values, order, selected = -1) {
  const width = order.length;
  canvas.width = width;
  canvas.height = 64;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#10131a";
  ctx.fillRect(0, 0, width, 64);
  let top = 0;
  for (const k of order) top = Math.max(top, Math.abs(values[k]));
  for (let rank = 0; rank < width; rank++) {
    const v = values[order[rank]];
    const h = top > 0 ? (Math.abs(v) / top) * 31 : 0;
    ctx.fillStyle = v >= 0 ? "#ffb040" : "#569cff";
    ctx.fillRect(rank, v >= 0 ? 32 - h : 32, 1, Math.max(h, v === 0 ? 0 : 0.5));
  }
  ctx.fillStyle = "#3a4254";
  ctx.fillRect(0, 32, width, 1);
  if (selected >= 0) {
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(selected, 0, Math.max(1, width / 256), 64);
  }
}

/** A matrix (rows x columns, row by row) as a heat map, columns in the order `order`. */
function drawMatrix(canvas, values, rows, order) {
  const columns = order.length;
  canvas.width = columns;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(columns, rows);
  let top = 0;
  for (const v of values) top = Math.max(top, Math.abs(v));
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < columns; c++) {
      const v = values[i * columns + order[c]];
      const [r, g, b] = PALETTE[top > 0 ? Math.round(127.5 + (127.5 * v) / top) : 128];
      image.data.set([r, g, b, 255], (i * columns + c) * 4);
    }
  }
  ctx.putImageData(image, 0, 0);
}

/** Bars made in HTML carry their size as data-w (and data-left), in percent: set here, through
 * the style object, since the page's Content-Security-Policy refuses inline style attributes. */
function sized(root) {
  for (const bar of root.querySelectorAll("[data-w]")) {
    bar.style.width = `${bar.dataset.w}%`;
    if (bar.dataset.left) bar.style.marginLeft = `${bar.dataset.left}%`;
  }
}

/** A listing as numbered lines, the step's lines highlighted. */
function listingHtml(listing, highlight) {
  const marked = new Set(highlight);
  const lines = listing.lines
    .map((line, i) => {
      const n = listing.first_line + i;
      return `<span class="line${marked.has(i) ? " hl" : ""}"><span class="ln">${n}</span>${escape(line) || " "}</span>`;
    })
    .join("");
  const label = `${listing.file}, ${listing.name.split(".")[1]}(), line ${listing.first_line}`;
  return `<figure class="listing"><figcaption>${escape(label)}</figcaption><pre tabindex="0" aria-label="${escape(label)}"><code>${lines}</code></pre></figure>`;
}

export class Explorer {
  /**
   * @param {{python: object, state: object, pad: object, training: object}} app the worker client,
   *   the page's state (state.result: the last prediction, whose `image` is the input followed
   *   here), the pad and the training panel (while it runs, the explorer waits).
   */
  constructor({ python, state, pad, training }) {
    this.python = python;
    this.app = { state, pad, training };
    this.code = null; // listings.code(): fetched once per worker
    this.input = null; // the Float32Array followed: the 28x28 input of the last finished drawing
    this.label = null; // the digit the learner says it is; null: the network's answer
    this.view = null; // the last Explanation shown
    this.stepResult = null; // the last StepResult shown
    this.check = null; // the last GradientCheck shown
    this.selected = 0; // the rank, by Z1, of the unit whose sum is shown
    this.following = true; // follow each finished drawing (measure_demo.py turns it off to compare)
    this.inFlight = false;
    this.pending = false; // the input changed while a request was on its way
    this.events = []; // explanations received, with their round trips (for the tests and measure_demo)
    this.buildLabels();
    $("step-button").addEventListener("click", () => this.step());
    $("step-undo").addEventListener("click", () => this.undo());
    $("step-reset").addEventListener("click", () => this.reset());
    $("check-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.runCheck();
    });
    $("check-largest").addEventListener("click", () => this.pickLargest(true));
    this.bindStrip();
  }

  /** Python is ready (again): fetch the code listings, then follow the drawing. */
  async pythonReady() {
    this.code = null;
    try {
      this.code = await this.python.request("explorer-code");
      this.showCode();
    } catch (error) {
      if (!error.lost) this.fail(`Could not read the code: ${error.message}`);
    }
    this.follow(this.app.state.result);
  }

  /** A prediction was shown: follow its input once the stroke is finished (never mid-stroke,
   * so that the live prediction stays as quick as without the explorer). */
  follow(result) {
    if (!result || this.app.pad.active || !this.following) return;
    if (this.app.training?.running) {
      // the weights change every few milliseconds: the explorer waits for the run's end (the
      // answer at the end of the run, shown by train.js, brings it back)
      $("explore-note").textContent = "Training is running: the explorer follows your drawing again when it ends.";
      return;
    }
    if (result.empty) {
      this.input = null;
      this.view = null;
      this.newDrawing();
      document.body.classList.remove("exploring");
      $("explore-note").textContent = "Draw a digit to follow it through the network.";
      return;
    }
    this.input = Float32Array.from(result.image);
    this.explain();
  }

  /** A new drawing (the pad was cleared, or a new input set): the label follows the answer again. */
  newDrawing() {
    this.label = null;
    this.stepResult = null;
    this.check = null;
    $("step-result").replaceChildren();
    $("check-result").replaceChildren();
  }

  async explain() {
    if (!this.input || !this.code) return;
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    const sent = performance.now();
    try {
      const view = await this.python.request("explain", { pixels: this.input, label: this.label });
      const arrived = performance.now();
      this.show(view);
      const round_trip_ms = arrived - sent;
      this.events.push({ round_trip_ms, python_ms: view.python_ms, render_ms: performance.now() - arrived });
    } catch (error) {
      if (!error.lost) this.fail(error.message);
    } finally {
      this.inFlight = false;
    }
    if (this.pending) {
      this.pending = false;
      this.explain();
    }
  }

  fail(message) {
    $("explore-note").textContent = `The explorer could not run: ${message}`;
  }

  show(view) {
    this.view = view;
    document.body.classList.add("exploring");
    const copy = view.steps
      ? `a float64 copy of the ${view.model} network after ${view.steps} step${view.steps > 1 ? "s" : ""} on a digit ` +
        `(the answer above still uses ${view.model} itself)`
      : `a float64 copy of the ${view.model} network`;
    $("explore-note").textContent =
      `Computed by Python in your browser on ${copy}, in ${view.python_ms.toFixed(1)} ms.`;
    this.showForward(view);
    this.showBackward(view);
    this.pickLargest(false);
  }

  // ---------- the forward pass ----------

  showForward(v) {
    const inked = v.X.reduce((n, x) => n + (x > 0), 0);
    $("body-X").innerHTML =
      `<div class="row"><canvas id="x-picture" class="picture big" width="28" height="28" aria-label="The input X"></canvas>` +
      `<p>The 28×28 input as 784 numbers from 0 (paper) to 1 (ink), one column <code>X</code>: ` +
      `${num(inked, "inked")} of them hold some ink. Every hidden unit sees all 784.</p></div>`;
    drawInput($("x-picture"), v.X);

    const H = v.hidden;
    const rows = Array.from(v.order.slice(0, TOP), (k, rank) => this.unitRow(v, k, rank)).join("");
    $("body-Z1").innerHTML =
      `<p>One number per hidden unit, ${H} in all: unit k multiplies each pixel by its weight <code>W1[k]</code>, ` +
      `adds them up and adds its bias <code>b1[k]</code>. Below, all ${H} from the largest to the smallest; ` +
      `point at one (or use the arrow keys) to see its sum.</p>` +
      `<canvas id="z1-strip" class="strip" tabindex="0" role="slider" aria-label="Z1 of every hidden unit, largest first"` +
      ` aria-valuemin="1" aria-valuemax="${H}"></canvas>` +
      `<p id="z1-detail" class="detail"></p>` +
      `<p class="muted small">The ${TOP} largest, each with its weights <code>W1[k]</code> as a picture (amber: ink here adds, blue: subtracts):</p>` +
      `<ol class="units-list">${rows}</ol>`;
    for (const [rank, k] of Array.from(v.order.slice(0, TOP)).entries()) {
      drawSigned($(`w1-top-${rank}`), v.W1_top, rank * 784);
      $(`unit-${rank}`).addEventListener("click", () => this.select(rank));
    }
    this.select(Math.min(this.selected, H - 1));

    const on = H - v.off;
    $("body-A1").innerHTML =
      `<p><strong>${num(v.off, "off")} of ${H} units are off</strong> for this drawing: their <code>Z1</code> is 0 or ` +
      `less, so <code>A1 = 0</code> and they pass nothing on. The other ${on} pass their <code>Z1</code> on unchanged.</p>` +
      `<div class="onoff" aria-hidden="true"><span data-w="${(100 * on) / H}"></span></div>`;
    sized($("body-A1"));

    const digits = Array.from({ length: 10 }, (_, i) => i);
    $("body-Z2").innerHTML =
      `<p>Ten numbers, the <em>logits</em>: output unit i adds up <code>W2[i, k] A1[k]</code> over the ${on} units ` +
      `that are on, plus its bias.</p>` +
      `<table class="numbers"><thead><tr><th>digit</th><th><code>W2 A1</code></th><th><code>+ b2</code></th><th><code>= Z2</code></th></tr></thead><tbody>` +
      digits
        .map(
          (i) =>
            `<tr class="${i === v.digit ? "top" : ""}"><th>${i}</th><td>${num(v.W2A1[i], `W2A1:${i}`)}</td>` +
            `<td>${num(v.b2[i], `b2:${i}`)}</td><td>${num(v.Z2[i], `Z2:${i}`)}</td></tr>`,
        )
        .join("") +
      `</tbody></table>`;

    $("body-A2").innerHTML =
      `<p>Softmax turns the logits into probabilities: subtract the largest, <code>max Z2 = ${num(v.Z2_max, "Z2_max")}</code> ` +
      `(it cancels out, and keeps <code>exp</code> from overflowing), take <code>E = exp(Z2 - max Z2)</code>, ` +
      `divide by their sum <code>ΣE = ${num(v.E_sum, "E_sum")}</code>.</p>` +
      `<table class="numbers"><thead><tr><th>digit</th><th><code>Z2 - max</code></th><th><code>E</code></th><th><code>A2 = E / ΣE</code></th><th></th></tr></thead><tbody>` +
      digits
        .map(
          (i) =>
            `<tr class="${i === v.digit ? "top" : ""}"><th>${i}</th><td>${num(v.Z2_shifted[i], `Z2_shifted:${i}`)}</td>` +
            `<td>${num(v.E[i], `E:${i}`)}</td><td>${num(v.A2[i], `A2:${i}`)}</td>` +
            `<td class="barcell"><span class="minibar" data-w="${v.A2[i] * 100}"></span></td></tr>`,
        )
        .join("") +
      `</tbody></table>` +
      (v.A2.every(Number.isFinite)
        ? `<p>The answer is the largest: <strong>${v.digit}</strong>, with ${percent(v.A2[v.digit])}.</p>`
        : `<p class="hint-box">No answer: this network's output is not a number (NaN); its weights are too large ` +
          `to compute with.</p>`);
    sized($("body-A2"));
  }

  unitRow(v, k, rank) {
    return (
      `<li><button type="button" class="unit-row" id="unit-${rank}">` +
      `<canvas id="w1-top-${rank}" class="picture" width="28" height="28"></canvas>` +
      `<span>unit ${k}<br><code>${num(v.W1X[k], `W1X:${k}`)} ${plus(v.b1[k], `b1:${k}`)} = ${num(v.Z1[k], `Z1:${k}`)}</code></span>` +
      `</button></li>`
    );
  }

  /** Show the sum of the unit at `rank` (by Z1) and mark it on the strip. */
  select(rank) {
    const v = this.view;
    if (!v) return;
    this.selected = rank;
    const k = v.order[rank];
    const state = v.Z1[k] > 0 ? "on" : "off (A1 = 0)";
    const text =
      `Unit ${k} (number ${rank + 1} of ${v.hidden}): W1[${k}]·X = ${format(v.W1X[k])}, ` +
      `b1[${k}] = ${format(v.b1[k])}, Z1[${k}] = ${format(v.Z1[k])}: ${state}`;
    $("z1-detail").innerHTML =
      `Unit ${k} (number ${rank + 1} of ${v.hidden}): <code>W1[${k}]·X = ${num(v.W1X[k], "sel:W1X")}</code>, ` +
      `<code>b1[${k}] = ${num(v.b1[k], "sel:b1")}</code>, <code>Z1[${k}] = ${num(v.Z1[k], "sel:Z1")}</code>: ${state}`;
    const strip = $("z1-strip");
    strip.setAttribute("aria-valuenow", String(rank + 1));
    strip.setAttribute("aria-valuetext", text);
    drawStrip(strip, v.Z1, v.order, rank);
  }

  /** Pointing at (or tapping) the strip picks a unit; so do the arrow keys when it has focus. */
  bindStrip() {
    const pick = (event) => {
      const strip = event.target;
      if (strip.id !== "z1-strip" || !this.view) return;
      const box = strip.getBoundingClientRect();
      const rank = Math.floor(((event.clientX - box.left) / box.width) * this.view.hidden);
      this.select(Math.min(this.view.hidden - 1, Math.max(0, rank)));
    };
    const body = $("body-Z1");
    body.addEventListener("pointermove", pick);
    body.addEventListener("pointerdown", pick);
    body.addEventListener("keydown", (event) => {
      if (event.target.id !== "z1-strip" || !this.view) return;
      const moves = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 10, PageDown: -10 };
      const last = this.view.hidden - 1;
      let rank = this.selected;
      if (event.key in moves) rank += moves[event.key];
      else if (event.key === "Home") rank = 0;
      else if (event.key === "End") rank = last;
      else return;
      event.preventDefault();
      this.select(Math.min(last, Math.max(0, rank)));
    });
  }

  // ---------- how it learns ----------

  buildLabels() {
    const group = $("label-buttons");
    for (let digit = 0; digit < 10; digit++) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button label-button";
      button.textContent = String(digit);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => {
        this.label = digit;
        this.explain();
      });
      group.append(button);
    }
  }

  showBackward(v) {
    const y = v.label;
    for (const [digit, button] of [...$("label-buttons").children].entries()) {
      button.setAttribute("aria-pressed", String(digit === y));
      button.classList.toggle("answer", digit === v.digit);
    }
    $("label-note").textContent =
      this.label === null
        ? `The network's answer, ${v.digit}, until you say otherwise.`
        : `You say it is a ${y}; the network says ${v.digit}.`;

    $("body-loss").innerHTML =
      `<p>How wrong the network is about this example: the network gives the digit ${y} a probability of ` +
      `<code>A2[${y}] = ${num(v.A2[y], "loss.p")}</code>, so the loss is ` +
      `<code>L = -log A2[${y}] = ${num(v.loss, "loss")}</code>. It is 0 only for a certain, right answer, ` +
      `and grows without bound as <code>A2[${y}]</code> goes to 0.</p>` +
      (v.loss < 1e-3
        ? `<p class="hint-box">The network is sure it is a ${y}: there is almost nothing left to learn, so every ` +
          `gradient below is tiny. Say it is another digit (the buttons above) to see them grow.</p>`
        : "");

    const digits = Array.from({ length: 10 }, (_, i) => i);
    $("body-dZ2").innerHTML =
      `<p>How the loss changes with each logit: softmax and the loss together give simply ` +
      `<code>dZ2 = A2 - Y</code>, where <code>Y</code> is 1 for the digit ${y} and 0 elsewhere. ` +
      `Negative at ${y} (raise that logit), positive elsewhere (lower them). For one example <code>db2 = dZ2</code>.</p>` +
      `<table class="numbers"><thead><tr><th>digit</th><th><code>A2</code></th><th><code>- Y</code></th><th><code>= dZ2</code></th><th></th></tr></thead><tbody>` +
      digits
        .map((i) => {
          const d = v.dZ2[i];
          const width = Math.min(50, Math.abs(d) * 50);
          return (
            `<tr class="${i === y ? "top" : ""}"><th>${i}</th><td>${format(v.A2[i])}</td><td>${i === y ? 1 : 0}</td>` +
            `<td>${num(d, `dZ2:${i}`)}</td><td class="barcell signed"><span class="minibar ${d < 0 ? "neg" : ""}" ` +
            `data-w="${width}" data-left="${d < 0 ? 50 - width : 50}"></span></td></tr>`
          );
        })
        .join("") +
      `</tbody></table>`;
    sized($("body-dZ2"));

    const off = v.off;
    $("body-dW2").innerHTML =
      `<p>Each weight <code>W2[i, k]</code> gets <code>dW2[i, k] = dZ2[i] A1[k]</code>: the output's error times what ` +
      `unit k passed on. The ${off} units that were off passed on 0, so their columns are 0: they cannot be blamed. ` +
      `Rows: the digits 0 to 9; columns: the ${v.hidden} hidden units, largest <code>Z1</code> first.</p>` +
      `<canvas id="dw2-map" class="matrix" aria-label="dW2, 10 rows by ${v.hidden} columns"></canvas>` +
      `<p class="muted small">Largest: <code>dW2[${v.largest.W2.join(", ")}] = ${num(v.dW2[v.largest.W2[0] * v.hidden + v.largest.W2[1]], "dW2.max")}</code></p>`;
    drawMatrix($("dw2-map"), v.dW2, 10, v.order);

    const byGradient = Array.from(v.gradient_order.slice(0, TOP));
    $("body-dZ1").innerHTML =
      `<p>The error sent back to each hidden unit: <code>W2ᵀ dZ2</code> (how much each unit's output would change ` +
      `the loss), times <code>ReLU'(Z1)</code>, which is 1 for a unit that was on and 0 for one that was off. ` +
      `So <code>dZ1</code> is exactly 0 for the ${num(
        v.dZ1.reduce((n, d) => n + (d === 0), 0),
        "dZ1.zero",
      )} units with nothing ` +
      `to learn from this drawing. The ${TOP} largest, by size:</p>` +
      `<ol class="pairs">${byGradient.map((k) => `<li>unit ${k}: ${num(v.dZ1[k], `dZ1:${k}`)}</li>`).join("")}</ol>`;

    $("body-dW1").innerHTML =
      `<p>For one example, row k of <code>dW1 = dZ1 Xᵀ</code> is your drawing scaled by <code>dZ1[k]</code>: ` +
      `each unit's weights get blame only where there is ink. Gradient descent subtracts it, so a unit with ` +
      `positive <code>dZ1</code> (blue below: its weights on the ink will drop) fires less for this drawing next time. ` +
      `The ${TOP} units it changes most, on one scale:</p>` +
      `<ol class="units-list">${byGradient
        .map(
          (k, i) =>
            `<li class="unit-row"><canvas id="dw1-${i}" class="picture" width="28" height="28"></canvas>` +
            `<span>unit ${k}<br><code>dZ1 = ${format(v.dZ1[k])}</code></span></li>`,
        )
        .join("")}</ol>`;
    let scale = 0;
    for (const value of v.dW1_top) scale = Math.max(scale, Math.abs(value));
    byGradient.forEach((_, i) => drawSigned($(`dw1-${i}`), v.dW1_top, i * 784, scale));

    $("step-undo").disabled = !v.can_undo;
    $("step-reset").disabled = !v.steps;
    $("step-reset").textContent = `Reset to ${v.model}`;
    $("step-count").textContent = v.steps
      ? `${v.steps} step${v.steps > 1 ? "s" : ""} taken on the copy.`
      : "No step taken: the copy is the network itself.";
  }

  /** One gradient step on this example (to the explorer's copy), then show before -> after. */
  async step() {
    if (!this.view || !this.input) return;
    $("step-error").hidden = true;
    try {
      const result = await this.python.request("explorer-step", {
        pixels: this.input,
        label: this.view.label,
        lr: readNumber("step-lr"),
      });
      this.stepResult = result;
      this.show(result.explanation);
      this.showStep(result);
    } catch (error) {
      if (error.lost) return;
      $("step-error").textContent = error.message;
      $("step-error").hidden = false;
    }
  }

  showStep(s) {
    const y = s.label;
    const rows = Array.from({ length: 10 }, (_, i) => {
      return (
        `<tr class="${i === y ? "top" : ""}"><th>${i}</th><td>${num(s.before[i], `step.before:${i}`)}</td>` +
        `<td>${num(s.after[i], `step.after:${i}`)}</td>` +
        `<td class="barcell"><span class="minibar ghost" data-w="${s.before[i] * 100}"></span>` +
        `<span class="minibar" data-w="${s.after[i] * 100}"></span></td></tr>`
      );
    }).join("");
    const units = Array.from(s.units.slice(0, CHANGED));
    $("step-result").innerHTML =
      `<p>With <code>lr = ${format(s.lr)}</code>, every weight moved by <code>-lr dW</code>. On this drawing the ` +
      `probability of ${y} went from ${percent(s.before[y])} to <strong>${percent(s.after[y])}</strong>, the loss from ` +
      `${num(s.loss_before, "step.loss_before")} to ${num(s.loss_after, "step.loss_after")}.</p>` +
      `<table class="numbers"><thead><tr><th>digit</th><th>before</th><th>after</th><th></th></tr></thead><tbody>${rows}</tbody></table>` +
      `<p class="muted small">The weight pictures that changed most: before, the change, after.</p>` +
      `<ol class="changes">${units
        .map(
          (k, i) =>
            `<li><span>unit ${k}</span><canvas id="chg-b-${i}" class="picture" width="28" height="28" aria-label="before"></canvas>` +
            `<canvas id="chg-d-${i}" class="picture" width="28" height="28" aria-label="change"></canvas>` +
            `<canvas id="chg-a-${i}" class="picture" width="28" height="28" aria-label="after"></canvas></li>`,
        )
        .join("")}</ol>`;
    sized($("step-result"));
    const change = s.W1_after.map((a, i) => a - s.W1_before[i]);
    units.forEach((_, i) => {
      let scale = 0;
      for (let j = 0; j < 784; j++)
        scale = Math.max(scale, Math.abs(s.W1_before[i * 784 + j]), Math.abs(s.W1_after[i * 784 + j]));
      drawSigned($(`chg-b-${i}`), s.W1_before, i * 784, scale);
      drawSigned($(`chg-d-${i}`), change, i * 784);
      drawSigned($(`chg-a-${i}`), s.W1_after, i * 784, scale);
    });
  }

  async undo() {
    await this.changeCopy("explorer-undo");
  }

  async reset() {
    await this.changeCopy("explorer-reset");
  }

  async changeCopy(type) {
    try {
      await this.python.request(type);
    } catch (error) {
      if (!error.lost) this.fail(error.message);
      return;
    }
    this.stepResult = null;
    $("step-result").replaceChildren();
    this.explain();
  }

  /** The gradient check's weight: the one with the largest gradient in the chosen parameter. */
  pickLargest(always) {
    const v = this.view;
    if (!v) return;
    const parameter = $("check-parameter").value;
    if (!always && this.checkTouched) return;
    const [row, column] = v.largest[parameter];
    $("check-row").value = String(row);
    $("check-column").value = String(column);
    if (always) this.checkTouched = false;
  }

  async runCheck() {
    if (!this.view || !this.input) return;
    this.checkTouched = true;
    $("check-error").hidden = true;
    try {
      const check = await this.python.request("gradient-check", {
        pixels: this.input,
        label: this.view.label,
        parameter: $("check-parameter").value,
        row: readNumber("check-row"),
        column: readNumber("check-column"),
        h: readNumber("check-h"),
      });
      this.check = check;
      this.showCheck(check);
    } catch (error) {
      if (error.lost) return;
      $("check-error").textContent = error.message;
      $("check-error").hidden = false;
    }
  }

  showCheck(c) {
    const name = `${c.parameter}[${c.row}, ${c.column}]`;
    const rows = c.results
      .map((r) => {
        const q = `check.${r.dtype}`;
        return (
          `<tr><th>${r.dtype}</th><td>${num(r.loss_plus, `${q}.loss_plus`)}</td><td>${num(r.loss_minus, `${q}.loss_minus`)}</td>` +
          `<td>${num(r.slope, `${q}.slope`)}</td><td>${num(r.backprop, `${q}.backprop`)}</td>` +
          `<td class="${r.relative < 1e-4 ? "good" : "coarse"}">${num(r.relative, `${q}.relative`)}</td></tr>`
        );
      })
      .join("");
    const [double, single] = c.results;
    const flat = Math.abs(double.backprop) < 1e-12 && Math.abs(double.slope) < 1e-12;
    const verdict = flat
      ? `Both slopes are (nearly) 0: this weight hardly touches the loss here (a pixel with no ink, a unit that ` +
        `is off, or a network already sure of the digit). Pick another weight, or say it is another digit.`
      : double.relative < 1e-4
        ? `In float64 they agree to ${num(double.relative, "check.verdict")}: backpropagation's slope is right.`
        : `In float64 they differ by ${num(double.relative, "check.verdict")}.`;
    const kink = c.crosses_kink
      ? " This nudge carries a hidden unit across ReLU's kink at 0, where the loss has no single slope: try a smaller h."
      : "";
    $("check-result").innerHTML =
      `<p>Nudging <code>${name}</code> (${format(double.weight)}) by ±${format(c.h)}:</p>` +
      `<table class="numbers"><thead><tr><th></th><th><code>L(w + h)</code></th><th><code>L(w - h)</code></th>` +
      `<th>numeric slope</th><th>backprop</th><th>relative difference</th></tr></thead><tbody>${rows}</tbody></table>` +
      `<p>${verdict}${kink} In float32 (${format(single.relative)}) the loss keeps only about 7 significant digits, ` +
      `so <code>L(w + h) - L(w - h)</code> is mostly rounding unless h is large, and then the nudge's own h² error ` +
      `shows: float32 cannot check a gradient much closer than about 1e-3.</p>`;
  }

  // ---------- the code ----------

  /** Each step's listings, once per worker (they do not change with the drawing). */
  showCode() {
    const panes = [...document.querySelectorAll("[data-code]")];
    for (const pane of panes) {
      const shown = this.code.steps[pane.dataset.code] || [];
      pane.innerHTML = shown.map((s) => listingHtml(this.code.listings[s.listing], s.highlight)).join("");
    }
    // Scroll each listing to its first highlighted line: every position read first (one layout),
    // then every scroll set (reading after each write would lay the page out once per listing).
    const scrolls = [...document.querySelectorAll("[data-code] pre")].map((pre) => {
      const first = pre.querySelector(".hl");
      return [pre, first ? Math.max(0, first.offsetTop - pre.clientHeight / 3) : 0];
    });
    for (const [pre, top] of scrolls) pre.scrollTop = top;
  }
}
