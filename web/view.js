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

export function showPrediction(result) {
  const probabilities = result.probabilities;
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
  $("confidence").textContent = result.empty
    ? "draw a digit"
    : `${percent(probabilities[result.digit])} sure`;
  $("announce").textContent = result.empty
    ? "Nothing drawn."
    : `It reads ${result.digit}, ${percent(probabilities[result.digit])} sure.`;
  showSeen(result.image);
  showActivations(result.hidden_level, result.hidden, result.order);
}

export function showTiming(ms, pythonMs) {
  $("timing").textContent = ms === null ? "" : `read in ${ms.toFixed(0)} ms (Python ${pythonMs.toFixed(1)} ms)`;
}

/** The 28x28 input, one canvas pixel per input pixel (CSS enlarges it, pixelated). */
function showSeen(image) {
  const canvas = $("seen");
  const ctx = canvas.getContext("2d");
  const pixels = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(image[i] * 255);
    pixels.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(pixels, 0, 0);
}

/** One tile per hidden unit: its first-layer weights as a 28x28 picture, and an activation bar. */
export function showModel(description) {
  const units = $("units");
  units.replaceChildren();
  units.dataset.hidden = String(description.hidden);
  units.classList.toggle("few", description.hidden <= 16);
  const filters = description.filters;
  const tiles = document.createDocumentFragment();
  for (let k = 0; k < description.hidden; k++) {
    const tile = document.createElement("figure");
    tile.className = "unit";
    tile.title = `hidden unit ${k + 1}`;
    const canvas = document.createElement("canvas");
    canvas.width = 28;
    canvas.height = 28;
    const ctx = canvas.getContext("2d");
    const pixels = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const [r, g, b] = PALETTE[filters[k * 784 + i]];
      pixels.data[i * 4] = r;
      pixels.data[i * 4 + 1] = g;
      pixels.data[i * 4 + 2] = b;
      pixels.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(pixels, 0, 0);
    const meter = document.createElement("span");
    meter.className = "unit-meter";
    meter.innerHTML = "<span></span>";
    tile.append(canvas, meter);
    tile.style.order = String(k);
    tiles.append(tile);
  }
  units.append(tiles);
  showFew();
  const accuracy = description.test_accuracy ? `, ${(description.test_accuracy * 100).toFixed(1)}% on MNIST's test set` : "";
  $("inside-summary").textContent = `${description.hidden} hidden units${accuracy}`;
}

/** Each unit's activation under its tile; the tiles are laid out most active first (CSS order,
 * so the elements stay in unit order) and only the first FEW are shown unless "Show all". */
function showActivations(levels, values, order) {
  const tiles = $("units").querySelectorAll(".unit");
  if (tiles.length !== levels.length) return;
  for (let k = 0; k < tiles.length; k++) {
    tiles[k].style.setProperty("--level", String(levels[k]));
    tiles[k].querySelector(".unit-meter > span").style.width = `${levels[k] * 100}%`;
    tiles[k].title = `hidden unit ${k + 1}: activation ${values[k].toFixed(2)}`;
  }
  order.forEach((k, rank) => (tiles[k].style.order = String(rank)));
  $("units").dataset.order = order.slice(0, FEW).join(",");
  showFew();
}

function showFew() {
  const units = $("units");
  const all = units.dataset.all === "true";
  const tiles = units.querySelectorAll(".unit");
  for (const tile of tiles) tile.hidden = !all && Number(tile.style.order || 0) >= FEW;
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
