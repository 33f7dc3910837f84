// Showing what the worker answered: the big digit, ten bars, the 28x28 input, the hidden units.
// Every number shown comes from Python; this module only turns numbers into pixels and text.

import { orderValues } from "./order.js";

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
    setText(item.querySelector(".bar-value"), result.empty ? "–" : percent(p));
    item.classList.toggle("top", digit === result.digit);
    const label = result.empty ? `${digit}: no drawing` : `${digit}: ${percent(p)}`;
    if (item.getAttribute("aria-label") !== label) item.setAttribute("aria-label", label);
  }
  const digit = $("digit");
  setText(digit, result.empty ? "?" : String(result.digit));
  digit.classList.toggle("empty", result.empty);
  setText($("confidence"), result.empty ? "draw a digit" : `${percent(probabilities[result.digit])} sure`);
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

// The tiles of "Inside the network", kept from one answer to the next so that an answer changes
// only what it changes (issue 15, item 6): for tile k, its elements, whether its picture is drawn
// for the current filters (drawn when first on show: 2,048 tiles would take a second), and what
// it shows now (its CSS order, its bar's level, its title).
const tiles = {
  filters: null, // H x 784 bytes: the first-layer weights as pictures (page.describe)
  figures: [], // tile k's <figure>: a canvas and a meter
  drawn: new Uint8Array(0), // 1 once tile k's picture shows the current filters
  order: [], // tile k's CSS order (null: none yet)
  level: [], // the activation level tile k's bar and glow show (0 at first, as the CSS says)
  title: [], // tile k's title
  onShow: [], // the units whose tiles are on show, in the order laid out
  activation: null, // the last answer's {levels, values, order}
};

// A bar's length in device pixels, measured whenever the tiles' grid changes size (a
// ResizeObserver runs after layout, so measuring there costs no layout of its own): a level
// change of less than one pixel of it is not drawn. Until measured: more than any bar (< 176 px).
let barPixels = 512;
const barWatcher = new ResizeObserver(() => {
  const meter = tiles.onShow.length ? tiles.figures[tiles.onShow[0]].lastElementChild : null;
  const width = meter ? meter.getBoundingClientRect().width : 0;
  if (width > 0) barPixels = width * window.devicePixelRatio;
});

/** One tile per hidden unit: its first-layer weights as a 28x28 picture, and an activation bar. */
export function showModel(description) {
  const units = $("units");
  units.replaceChildren();
  units.dataset.hidden = String(description.hidden);
  units.classList.toggle("few", description.hidden <= 16);
  const H = description.hidden;
  tiles.filters = description.filters;
  tiles.drawn = new Uint8Array(H);
  tiles.order = new Array(H).fill(null);
  tiles.level = new Array(H).fill(0);
  tiles.title = Array.from({ length: H }, (_, k) => `hidden unit ${k + 1}`);
  tiles.onShow = [];
  tiles.activation = null;
  tiles.figures = tiles.title.map((title) => {
    const tile = document.createElement("figure");
    tile.className = "unit";
    tile.title = title;
    tile.hidden = true; // showFew shows (and draws) the tiles on show
    const canvas = document.createElement("canvas");
    canvas.width = 28;
    canvas.height = 28;
    const meter = document.createElement("span");
    meter.className = "unit-meter";
    meter.innerHTML = "<span></span>";
    tile.append(canvas, meter);
    return tile;
  });
  units.append(...tiles.figures);
  barWatcher.observe(units);
  showFew();
  const accuracy = description.test_accuracy
    ? `, ${(description.test_accuracy * 100).toFixed(1)}% on MNIST's test set`
    : "";
  $("inside-summary").textContent = `${description.hidden} hidden units${accuracy}`;
}

/** New first-layer weights for the tiles there are (while training): the tiles on show are
 * redrawn now, the others when they are shown. */
export function updateFilters(description) {
  tiles.filters = description.filters;
  tiles.drawn.fill(0);
  showFew();
}

/** Hidden unit k's 784 first-layer weights (bytes, see page.describe) as its tile's picture. */
function drawFilter(k) {
  const ctx = tiles.figures[k].firstElementChild.getContext("2d");
  const pixels = ctx.createImageData(28, 28);
  const data = pixels.data;
  for (let i = 0; i < 784; i++) {
    const [r, g, b] = PALETTE[tiles.filters[k * 784 + i]];
    data[i * 4] = r;
    data[i * 4 + 1] = g;
    data[i * 4 + 2] = b;
    data[i * 4 + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
  tiles.drawn[k] = 1;
}

/** Each unit's activation under its tile (`levels`: A1 / max(A1), `values`: A1); the tiles are
 * laid out in `order`, most active first, and only the first FEW are shown unless "Show all". */
function showActivations(levels, values, order) {
  if (tiles.figures.length !== levels.length) return;
  tiles.activation = { levels, values, order };
  setData($("units"), "order", order.slice(0, FEW).join(","));
  showFew();
}

/** Show the FEW most active tiles (or all), most active first, and hide the rest. Only what
 * differs from what is shown is written: a tile's `hidden` when it comes or goes, its CSS order
 * when it must move (orderValues: the fewest changes), its bar when it moves by a pixel or more, its
 * title when its text changes; a picture is drawn only when new weights are first on show. */
function showFew() {
  const all = $("units").dataset.all === "true";
  const H = tiles.figures.length;
  const ranking = tiles.activation ? tiles.activation.order : [...Array(H).keys()];
  const onShow = all ? ranking : ranking.slice(0, FEW);
  const showing = new Uint8Array(H);
  for (const k of onShow) showing[k] = 1;
  for (const k of tiles.onShow) if (!showing[k]) tiles.figures[k].hidden = true;
  for (const k of onShow) {
    if (tiles.figures[k].hidden) tiles.figures[k].hidden = false;
    if (!tiles.drawn[k]) drawFilter(k);
    if (tiles.activation) showActivation(k);
  }
  const values = orderValues(onShow.map((k) => tiles.order[k]));
  onShow.forEach((k, i) => {
    if (values[i] === tiles.order[k]) return;
    tiles.order[k] = values[i];
    tiles.figures[k].style.order = String(values[i]);
  });
  tiles.onShow = onShow;
  const toggle = $("units-toggle");
  if (toggle.hidden !== H <= FEW) toggle.hidden = H <= FEW;
  setText(toggle, all ? `Show the ${FEW} most active` : `Show all ${H}`);
  if (toggle.getAttribute("aria-expanded") !== String(all)) toggle.setAttribute("aria-expanded", String(all));
  setText(
    $("units-note"),
    H <= FEW ? "" : all ? "All units, most active first." : `The ${FEW} units most active for your drawing.`,
  );
}

/** Unit k's activation on its tile: the bar's length and the glow (both from --level, see
 * style.css), and the title with A1[k]. */
function showActivation(k) {
  const { levels, values } = tiles.activation;
  const level = levels[k];
  const shown = tiles.level[k];
  if (level !== shown && (Math.abs(level - shown) * barPixels >= 1 || level === 0 || level === 1)) {
    tiles.level[k] = level;
    tiles.figures[k].style.setProperty("--level", String(level));
  }
  const title = `hidden unit ${k + 1}: activation ${values[k].toFixed(2)}`;
  if (title !== tiles.title[k]) {
    tiles.title[k] = title;
    tiles.figures[k].title = title;
  }
}

/** Set an element's text only when it differs (a write makes the browser lay it out again). */
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function setData(element, key, value) {
  if (element.dataset[key] !== value) element.dataset[key] = value;
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
