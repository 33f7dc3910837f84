// Showing what the worker answered: the big digit, ten bars, the 28x28 input, the hidden units.
// Every number shown comes from Python; this module only turns numbers into pixels and text.

const $ = (id) => document.getElementById(id);
const FEW = 48; // hidden units shown until "Show all": the most active ones for the drawing
const percent = (p) => `${(p * 100).toFixed(p >= 0.995 || p < 0.1 ? 0 : 1)}%`;

// Weight tiles: byte 0 (most negative) -> blue, 128 (zero) -> near black, 255 (most positive) -> amber.
const NEGATIVE = [86, 156, 255];
const ZERO = [14, 16, 22];
const POSITIVE = [255, 176, 64];
export const PALETTE = Array.from({ length: 256 }, (_, b) => {
  const [end, t] = b < 128 ? [NEGATIVE, (128 - b) / 128] : [POSITIVE, (b - 128) / 127];
  return ZERO.map((z, i) => Math.round(z + (end[i] - z) * t));
});

export function buildBars() {
  const list = $("bars");
  list.replaceChildren();
  for (let digit = 0; digit < 10; digit++) {
    const item = document.createElement("li");
    item.className = "bar";
    item.dataset.digit = String(digit);
    item.innerHTML =
      `<span class="bar-label">${digit}</span>` +
      `<span class="bar-track"><span class="bar-fill"></span></span>` +
      `<span class="bar-value">–</span>`;
    list.append(item);
  }
}

/** Show the answer; returns false (and shows that the network has no answer) when the
 * probabilities are not all finite numbers: "NaN% sure" is never shown. `announce`: say it to a
 * screen reader too (once per finished stroke, not for every answer while the pen moves). */
export function showPrediction(result, announce = true) {
  const probabilities = result.probabilities;
  if (!result.empty && !probabilities.every(Number.isFinite)) {
    showNoAnswer(result, announce);
    return false;
  }
  $("confidence").classList.remove("error");
  const items = $("bars").children;
  for (let digit = 0; digit < 10; digit++) {
    const p = probabilities[digit];
    const item = items[digit];
    item.querySelector(".bar-fill").style.width = result.empty ? "0%" : `${p * 100}%`;
    item.querySelector(".bar-value").textContent = result.empty ? "–" : percent(p);
    item.classList.toggle("top", digit === result.digit);
    item.setAttribute("aria-label", result.empty ? `${digit}: no drawing` : `${digit}: ${percent(p)}`);
  }
  const digit = $("digit");
  digit.textContent = result.empty ? "?" : String(result.digit);
  digit.classList.toggle("empty", result.empty);
  $("confidence").textContent = result.empty ? "draw a digit" : `${percent(probabilities[result.digit])} sure`;
  if (announce)
    say(result.empty ? "Nothing drawn." : `It reads ${result.digit}, ${percent(probabilities[result.digit])} sure.`);
  showSeen(result.image);
  showActivations(result.hidden_level, result.hidden, result.order);
  return true;
}

/** The sentence read to screen readers (#announce, role="status"). */
function say(text) {
  $("announce").textContent = text;
}

/** The network's output is not a number (NaN or infinite, e.g. weights too large to compute
 * with): no digit, no bars, and a sentence that says so instead. */
function showNoAnswer(result, announce) {
  for (const item of $("bars").children) {
    item.querySelector(".bar-fill").style.width = "0%";
    item.querySelector(".bar-value").textContent = "–";
    item.classList.remove("top");
    item.setAttribute("aria-label", `${item.dataset.digit}: no answer`);
  }
  const digit = $("digit");
  digit.textContent = "?";
  digit.classList.add("empty");
  $("confidence").textContent = "no answer: this network's output is not a number (NaN)";
  $("confidence").classList.add("error");
  if (announce) say("The network cannot read this drawing: its output is not a number.");
  showSeen(result.image);
  const none = result.hidden.map(() => 0);
  showActivations(
    none,
    none,
    result.hidden.map((_, k) => k),
  );
}

export function showTiming(ms, pythonMs) {
  $("timing").textContent = ms === null ? "" : `read in ${ms.toFixed(0)} ms (Python ${pythonMs.toFixed(1)} ms)`;
}

/** The 28x28 input, one canvas pixel per input pixel (CSS enlarges it, pixelated). */
const showSeen = (image) => drawInput($("seen"), image);

/** A 28x28 input (784 values in [0, 1], row by row) in grey on a 28x28 canvas. */
export function drawInput(canvas, image) {
  const ctx = canvas.getContext("2d");
  const pixels = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(image[i] * 255);
    pixels.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(pixels, 0, 0);
}

/** 784 bytes (0 = background, 255 = ink), row by row, as a light digit on a 28x28 canvas. */
export function drawBytes(canvas, pixels) {
  const context = canvas.getContext("2d");
  const picture = context.createImageData(28, 28);
  for (let i = 0; i < 784; i++) picture.data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
  context.putImageData(picture, 0, 0);
}

// What the tiles show: the network's first-layer images (drawn when a tile is first on show: a
// network of 2,048 units would otherwise keep the page busy for a second) and the last activations.
const shown = { filters: null, drawn: new Uint8Array(0), activation: null };

/** One tile per hidden unit: its first-layer weights as a 28x28 picture, and an activation bar. */
export function showModel(description) {
  const units = $("units");
  units.replaceChildren();
  units.dataset.hidden = String(description.hidden);
  units.classList.toggle("few", description.hidden <= 16);
  shown.filters = description.filters;
  shown.drawn = new Uint8Array(description.hidden);
  shown.activation = null;
  const tiles = document.createDocumentFragment();
  for (let k = 0; k < description.hidden; k++) {
    const tile = document.createElement("figure");
    tile.className = "unit";
    tile.title = `hidden unit ${k + 1}`;
    tile.hidden = true; // showFew shows (and draws) the tiles on show
    const canvas = document.createElement("canvas");
    canvas.width = 28;
    canvas.height = 28;
    const meter = document.createElement("span");
    meter.className = "unit-meter";
    meter.innerHTML = "<span></span>";
    tile.append(canvas, meter);
    tiles.append(tile);
  }
  units.append(tiles);
  showFew();
  const accuracy = description.test_accuracy
    ? `, ${(description.test_accuracy * 100).toFixed(1)}% on MNIST's test set`
    : "";
  $("inside-summary").textContent = `${description.hidden} hidden units${accuracy}`;
}

/** New first-layer weights for the tiles there are (while training): the tiles on show are
 * redrawn now, the others when they are shown. */
export function updateFilters(description) {
  shown.filters = description.filters;
  shown.drawn.fill(0);
  showFew();
}

/** Hidden unit k's 784 first-layer weights (bytes, see page.describe) as its tile's picture. */
function drawFilter(canvas, k) {
  const ctx = canvas.getContext("2d");
  const pixels = ctx.createImageData(28, 28);
  const data = pixels.data;
  for (let i = 0; i < 784; i++) {
    const [r, g, b] = PALETTE[shown.filters[k * 784 + i]];
    data[i * 4] = r;
    data[i * 4 + 1] = g;
    data[i * 4 + 2] = b;
    data[i * 4 + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
  shown.drawn[k] = 1;
}

/** Each unit's activation under its tile; the tiles are laid out most active first (CSS order,
 * so the elements stay in unit order) and only the first FEW are shown unless "Show all". */
function showActivations(levels, values, order) {
  if ($("units").children.length !== levels.length) return;
  const rank = new Array(order.length);
  order.forEach((k, r) => (rank[k] = r));
  shown.activation = { levels, values, rank };
  $("units").dataset.order = order.slice(0, FEW).join(",");
  showFew();
}

/** Show the FEW most active tiles (or all), each drawn and with its activation; hide the rest.
 * Only the tiles on show are touched beyond their `hidden`. */
function showFew() {
  const units = $("units");
  const all = units.dataset.all === "true";
  const tiles = units.querySelectorAll(".unit");
  const activation = shown.activation;
  tiles.forEach((tile, k) => {
    const rank = activation ? activation.rank[k] : k;
    const visible = all || rank < FEW;
    if (tile.hidden === visible) tile.hidden = !visible;
    if (!visible) return;
    tile.style.order = String(rank);
    if (!shown.drawn[k]) drawFilter(tile.firstElementChild, k);
    if (!activation) return;
    tile.style.setProperty("--level", String(activation.levels[k]));
    tile.lastElementChild.firstElementChild.style.width = `${activation.levels[k] * 100}%`;
    tile.title = `hidden unit ${k + 1}: activation ${activation.values[k].toFixed(2)}`;
  });
  const toggle = $("units-toggle");
  toggle.hidden = tiles.length <= FEW;
  toggle.textContent = all ? `Show the ${FEW} most active` : `Show all ${tiles.length}`;
  toggle.setAttribute("aria-expanded", String(all));
  $("units-note").textContent =
    tiles.length <= FEW ? "" : all ? "All units, most active first." : `The ${FEW} units most active for your drawing.`;
}

export function toggleAllUnits() {
  const units = $("units");
  units.dataset.all = String(units.dataset.all !== "true");
  showFew();
}

/** The status line; while loading, the bar jumps to `fraction` and glides to `until`. */
export function showStatus(label, fraction, state, until = fraction, seconds = 0.3) {
  $("status").dataset.state = state;
  $("status-label").textContent = label;
  const bar = $("progress-bar");
  bar.style.transition = "none";
  bar.style.width = `${fraction * 100}%`;
  void bar.offsetWidth; // apply the jump before the glide starts
  bar.style.transition = `width ${seconds}s cubic-bezier(0.2, 0.6, 0.3, 1)`;
  bar.style.width = `${until * 100}%`;
  $("retry").hidden = state !== "error";
}
