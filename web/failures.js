// "Where it fails": the current network on the 1,000 held-out digits (accuracy, the confusion
// matrix, the misread digits), and "Show me a test digit" on the pad. No math here: the Python is
// scratchnn.browser.failures, through worker-failures.js.

import { drawBytes } from "./view.js";

/** @typedef {import("./messages.js").Failures} Failures */
/** @typedef {import("./messages.js").ValidationImage} ValidationImage */

const $ = (id) => document.getElementById(id);
const SHOWN = 48; // misread digits in the gallery at most
const percent = (x) => `${(x * 100).toFixed(1)}%`;

export class FailuresPanel {
  /**
   * @param {{python: object, state: object, pad: object, explorer: object}} app the worker client,
   *   the page's state (state.model: the network on show), the pad and the explorer.
   */
  constructor({ python, state, pad, explorer }) {
    this.python = python;
    this.app = { state, pad, explorer };
    /** @type {Failures|null} the last run's answer */
    this.result = null;
    this.filter = null; // the matrix cell chosen, {truth, read}; null: every mistake
    this.stale = false; // the network changed since the last run
    this.running = false;
    this.events = []; // runs finished (for the tests)
    $("failures-run").addEventListener("click", () => this.run());
    $("mistakes-all").addEventListener("click", () => this.choose(null));
    $("test-digit").addEventListener("click", () => this.showTestDigit());
  }

  /** Python is ready (again): the buttons work. */
  pythonReady() {
    $("failures-run").disabled = false;
    $("test-digit").disabled = false;
  }

  /** Python is being restarted: nothing can be asked until it is ready. */
  pythonLost() {
    $("failures-run").disabled = true;
    $("test-digit").disabled = true;
  }

  /** The network on show changed (another one chosen, trained, loaded): the numbers shown are old. */
  networkChanged() {
    if (!this.result || this.stale) return;
    this.stale = true;
    this.showStatus();
  }

  async run() {
    if (this.running) return;
    this.running = true;
    $("failures-run").disabled = true;
    this.showError(null);
    $("failures-status").textContent = "Running the network on 1,000 digits…";
    try {
      this.result = await this.python.request("failures");
      this.stale = false;
      this.filter = null;
      this.showResult();
      this.events.push({ model: this.result.model, correct: this.result.correct });
    } catch (error) {
      this.showError(error.lost ? "Python was restarted: run again once it is ready." : error.message);
      this.showStatus();
    } finally {
      this.running = false;
      $("failures-run").disabled = false;
    }
  }

  showError(message) {
    $("failures-error").hidden = !message;
    $("failures-error").textContent = message ? `Could not run it: ${message}` : "";
  }

  showStatus() {
    const result = this.result;
    $("failures").classList.toggle("stale", this.stale);
    $("failures-run").textContent = result ? "Run it again" : "Run the network on them";
    if (!result) {
      $("failures-status").textContent = "Not run yet.";
      return;
    }
    $("failures-status").textContent = this.stale
      ? `The ${result.model} network below: stale, run again (the network has changed).`
      : `The ${result.model} network, computed by Python in your browser in ${result.python_ms.toFixed(0)} ms.`;
  }

  showResult() {
    const { correct, n, accuracy, model } = this.result;
    $("failures-accuracy").textContent = `${model}: ${correct} of ${n} right, ${percent(accuracy)}`;
    $("failures-accuracy").dataset.correct = String(correct);
    this.showStatus();
    this.showMatrix();
    this.showMistakes();
  }

  /** The 10 x 10 table: a header row of the digits read, a header column of the true digits; each
   * mistake cell is a button that shows those digits in the gallery. */
  showMatrix() {
    const { confusion } = this.result;
    const table = $("confusion");
    table.querySelectorAll("tr").forEach((row) => row.remove());
    const largest = Math.max(1, ...confusion.filter((_, i) => i % 11 !== 0)); // the largest mistake count
    const head = table.createTHead().insertRow();
    head.append(headerCell("", "col"));
    for (let read = 0; read < 10; read++) head.append(headerCell(`read ${read}`, "col", String(read)));
    const body = table.tBodies[0] ?? table.createTBody();
    for (let truth = 0; truth < 10; truth++) {
      const row = body.insertRow();
      row.append(headerCell(`true ${truth}`, "row", String(truth)));
      for (let read = 0; read < 10; read++) {
        const count = confusion[truth * 10 + read];
        const cell = row.insertCell();
        cell.dataset.count = String(count);
        if (truth === read) {
          cell.className = "right";
          cell.textContent = String(count);
          cell.title = `true ${truth}, read ${read}: ${count} digits read right`;
        } else if (count === 0) {
          cell.className = "none";
          cell.textContent = "·";
          cell.title = `true ${truth}, read ${read}: none`;
        } else {
          cell.append(this.cellButton(truth, read, count, largest));
        }
      }
    }
    table.hidden = false;
  }

  cellButton(truth, read, count, largest) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cell";
    button.textContent = String(count);
    button.setAttribute("aria-label", `true ${truth}, read ${read}: ${count} digit${count === 1 ? "" : "s"}`);
    button.style.setProperty("--level", String(count / largest));
    button.dataset.truth = String(truth);
    button.dataset.read = String(read);
    button.addEventListener("click", () => this.choose({ truth, read }));
    return button;
  }

  /** Show the mistakes of one cell (null: every mistake) in the gallery. */
  choose(filter) {
    this.filter = filter;
    for (const button of $("confusion").querySelectorAll("button.cell")) {
      const chosen = filter && +button.dataset.truth === filter.truth && +button.dataset.read === filter.read;
      button.setAttribute("aria-pressed", String(Boolean(chosen)));
    }
    this.showMistakes();
  }

  /** The misread digits (of the chosen cell), most confident first, as 28x28 buttons. */
  showMistakes() {
    const { indices, true: truths, predicted, confidence, images } = this.result;
    const picked = [];
    for (let k = 0; k < indices.length; k++) {
      if (!this.filter || (truths[k] === this.filter.truth && predicted[k] === this.filter.read)) picked.push(k);
    }
    const shown = picked.slice(0, SHOWN);
    const gallery = $("mistakes");
    const item = (k) => {
      const entry = document.createElement("div"); // the list's item: a button may not be one itself
      entry.setAttribute("role", "listitem");
      entry.append(this.mistakeButton(k, indices, truths, predicted, confidence, images));
      return entry;
    };
    gallery.replaceChildren(...shown.map(item));
    const which = this.filter ? `true ${this.filter.truth} read as ${this.filter.read}` : "misread";
    const more = picked.length > shown.length ? `, the ${shown.length} most confident shown` : "";
    $("mistakes-note").textContent = picked.length
      ? `${picked.length} ${which}${more}. Pick one to follow it in the explorer.`
      : "No digit misread: every one is right.";
    $("mistakes-all").hidden = !this.filter;
  }

  mistakeButton(k, indices, truths, predicted, confidence, images) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "mistake digit-tile";
    const sure = percent(confidence[k]);
    button.dataset.index = String(indices[k]);
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 28;
    drawBytes(canvas, images.subarray(k * 784, (k + 1) * 784));
    // Its name is its text: what a screen reader says, then what the eye sees (axe: the visible text
    // must be part of the name).
    const said = document.createElement("span");
    said.className = "visually-hidden";
    said.textContent = `held-out digit ${indices[k]}: a ${truths[k]}, read as ${predicted[k]} (${sure}); `;
    const caption = document.createElement("span");
    caption.textContent = `${truths[k]}→${predicted[k]} ${sure}`;
    button.append(said, canvas, caption);
    button.addEventListener("click", () => this.putOnPad(indices[k], true));
    return button;
  }

  /** A random held-out digit on the pad. */
  showTestDigit() {
    return this.putOnPad(null, false);
  }

  /** Held-out digit `index` (null: a random one) on the pad, its true label given to the explorer
   * (which follows it once the network has read it); `scroll`: bring the explorer into view. */
  async putOnPad(index, scroll) {
    let image;
    try {
      image = await this.python.request("validation-image", { index });
    } catch (error) {
      if (!error.lost) this.showNote(`Could not fetch a test digit: ${error.message}`);
      return;
    }
    const { pad, explorer } = this.app;
    pad.setImage(image.pixels); // the pad's change clears the explorer's label...
    explorer.label = image.label; // ...then it is this digit's true label, for the next explain
    this.showNote(`a held-out ${image.label} (digit ${image.index} of the 1,000)`);
    $("test-digit-note").dataset.label = String(image.label);
    const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (scroll) $("explore-forward").scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
  }

  showNote(text) {
    $("test-digit-note").textContent = text;
    $("test-digit-note").hidden = false;
  }

  /** The pad changed: a note about a held-out digit no longer applies (putOnPad sets it again). */
  padChanged() {
    $("test-digit-note").hidden = true;
    delete $("test-digit-note").dataset.label;
  }
}

function headerCell(text, scope, short = "") {
  const cell = document.createElement("th");
  cell.scope = scope;
  cell.textContent = short;
  if (text) cell.setAttribute("aria-label", text);
  return cell;
}
