// "Teach it your handwriting": keep the drawings it misread with their right answers (in this
// browser's storage), learn from them, and show each digit and the held-out accuracy before and
// after. No math here: the Python is scratchnn.browser.digits and .teach, through worker-teach.js.

/** @typedef {import("./messages.js").DigitsState} DigitsState */
/** @typedef {import("./messages.js").TeachResult} TeachResult */

import { saveFile } from "./train.js";
import { drawBytes } from "./view.js";

const $ = (id) => document.getElementById(id);
export const STORAGE_KEY = "scratchnn.my-digits"; // localStorage: the digits file's JSON text (digits.py)
const MAX_FILE_BYTES = 2_000_000; // digits.MAX_FILE_BYTES
const CONFIRM_MS = 5000; // "Clear my digits" asks again for this long
const percent = (x) => `${(x * 100).toFixed(1)}%`;
const plural = (n, word) => `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

export class TeachPanel {
  /**
   * @param {{python: object, state: object, pad: object, explorer: object, training: object}} app the
   *   worker client, the page's state (state.result: the answer on show), the pad, the explorer and
   *   the training panel (which shows the taught network as "yours").
   */
  constructor({ python, state, pad, explorer, training }) {
    this.python = python;
    this.app = { state, pad, explorer, training };
    /** @type {DigitsState|null} */
    this.digits = null;
    /** @type {TeachResult|null} the last run's before and after */
    this.result = null;
    this.running = false;
    this.ready = false;
    this.unreadable = null; // stored text Python could not read: kept, and exported as it is
    this.events = []; // teaching events received (for the tests)
    this.confirmUntil = 0;
    this.note = null; // {result, text}: a note about the answer on show ("Kept as a 3"), until it changes
    python.onTeaching = (message) => this.receive(message);
    this.buildLabels();
    $("teach-run").addEventListener("click", () => this.teach());
    $("teach-stop").addEventListener("click", () => this.stop());
    $("digits-export").addEventListener("click", () => this.export());
    $("digits-import").addEventListener("change", (event) => this.import(event.target.files[0]));
    $("digits-clear").addEventListener("click", () => this.clear());
  }

  buildLabels() {
    const group = $("teach-labels");
    for (let digit = 0; digit <= 9; digit++) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button label-button";
      button.textContent = String(digit);
      button.dataset.label = String(digit);
      button.setAttribute("aria-label", `keep this drawing as a ${digit}`);
      button.disabled = true;
      button.addEventListener("click", () => this.add(digit));
      group.append(button);
    }
  }

  /** Python is ready (again): the digits stored in this browser go to the worker. */
  async pythonReady() {
    this.ready = true;
    let text = null;
    try {
      text = localStorage.getItem(STORAGE_KEY);
    } catch (error) {
      this.showError(
        `This browser does not let the page read its storage (${error.message}): digits you add last until you leave.`,
      );
    }
    if (text) {
      try {
        this.show(await this.python.request("digits-load", { file: text, filename: null }));
      } catch (error) {
        if (error.lost) return;
        const source = "the digits stored in this browser: "; // Python's message starts with the source
        const reason = error.message.startsWith(source) ? error.message.slice(source.length) : error.message;
        this.showError(`Could not read the digits stored in this browser: ${reason}.`);
      }
    } else await this.ask("digits-state", {}, null, false);
    if (text && !this.digits) {
      this.unreadable = text; // kept in the storage as it is: never written over until exported or cleared
      $("teach-error").append(
        " They stay stored as they are: Export my digits saves them, Clear my digits removes them.",
      );
    }
    this.update();
  }

  pythonLost() {
    this.ready = false;
    this.running = false;
    this.update();
  }

  /** The network on show changed: what it reads each digit as is asked again. */
  networkChanged() {
    if (this.ready && !this.running) this.ask("digits-state", {}, null, false);
  }

  /** A new answer is on show (app.js calls this after each prediction). */
  predicted() {
    this.update();
  }

  /** A request whose answer is the digits' new state; `what` names it in an error ("import x.json").
   * `save`: the digits changed, so the browser's stored copy is written again. */
  async ask(type, payload, what, save = true) {
    try {
      const digits = await this.python.request(type, payload);
      this.show(digits, save);
      return true;
    } catch (error) {
      if (!error.lost && what) this.showError(`Could not ${what}: ${error.message}`);
      return false;
    }
  }

  /** Keep the drawing on show, the input the network read, as a `label`. */
  async add(label) {
    const { state } = this.app;
    const result = state.result;
    if (!result || result.empty || state.dirty || state.inFlight) return;
    this.showError(null);
    const read = result.digit;
    const pixels = Float32Array.from(result.image);
    if (await this.ask("digits-add", { pixels, label }, `keep the drawing as a ${label}`)) {
      const misread = read === label ? `it read it right` : `it read ${read}`;
      this.say(`Kept as a ${label} (${misread}).`);
    }
  }

  /** @param {DigitsState} digits @param {boolean} save write them to the browser's storage */
  show(digits, save = false) {
    this.digits = digits;
    if (save) this.store(digits.n ? digits.text : null);
    this.showGallery();
    this.update();
  }

  /** The digits file in this browser's storage (null: none). A stored copy that could not be read
   * is never written over (only Clear removes it). */
  store(text) {
    if (this.unreadable) return;
    try {
      if (text) localStorage.setItem(STORAGE_KEY, text);
      else localStorage.removeItem(STORAGE_KEY);
    } catch (error) {
      this.showError(
        `This browser did not let the page store your digits (${error.message}): export them to keep them.`,
      );
    }
  }

  showGallery() {
    const { n, labels, images, predicted, confidence } = this.digits;
    const after = this.result && this.result.labels.length === n ? this.result : null;
    const tiles = [];
    for (let k = 0; k < n; k++) {
      const tile = document.createElement("div");
      tile.className = "my-digit digit-tile";
      tile.setAttribute("role", "listitem");
      const pixels = images.subarray(k * 784, (k + 1) * 784);
      const picture = document.createElement("button");
      picture.type = "button";
      picture.className = "my-digit-picture";
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 28;
      drawBytes(canvas, pixels);
      const reads = predicted.length ? predicted[k] : null;
      const right = reads === labels[k];
      const said = reads === null ? "" : `, read as ${reads} (${percent(confidence[k])})`;
      picture.setAttribute("aria-label", `your digit ${k + 1}: a ${labels[k]}${said}; put it on the pad`);
      picture.append(canvas);
      picture.addEventListener("click", () => this.putOnPad(pixels, labels[k]));
      const caption = document.createElement("span");
      caption.className = `my-digit-caption ${right ? "right" : "wrong"}`;
      if (after) {
        const before = after.before.predicted[k];
        caption.textContent = `${labels[k]}: ${before}→${after.after.predicted[k]}`;
        caption.title = `a ${labels[k]}: read as ${before} before teaching, ${after.after.predicted[k]} after`;
      } else {
        caption.textContent = reads === null ? `${labels[k]}` : `${labels[k]}: reads ${reads}`;
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "my-digit-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `remove your digit ${k + 1} (a ${labels[k]})`);
      remove.addEventListener("click", () => this.remove(k));
      tile.append(picture, caption, remove);
      tiles.push(tile);
    }
    $("my-digits").replaceChildren(...tiles);
  }

  /** One of your digits back on the pad, its label given to the explorer. */
  putOnPad(pixels, label) {
    const { pad, explorer } = this.app;
    pad.setImage(Float32Array.from(pixels, (v) => v / 255));
    explorer.label = label;
  }

  async remove(index) {
    if (this.running) return;
    this.result = null;
    await this.ask("digits-remove", { index }, `remove digit ${index + 1}`);
  }

  async teach() {
    if (this.running || !this.digits?.n) return;
    this.showError(null);
    const hadFocus = document.activeElement === $("teach-run");
    this.running = true;
    this.update();
    if (hadFocus) $("teach-stop").focus(); // Learn is disabled while it runs: the keyboard stays in place
    this.setStatus("Starting…", 0);
    let answer;
    try {
      answer = await this.python.request("teach", { steps: null });
    } catch (error) {
      this.running = false;
      if (!error.lost) this.showError(`Could not learn from your digits: ${error.message}`);
      this.setStatus(this.countText(), 0);
      this.update();
      if (hadFocus) $("teach-run").focus();
      return;
    }
    this.steps = answer.steps;
    const { correct } = answer.before;
    this.setStatus(`Learning: ${correct} of ${plural(this.digits.n, "digit")} read right before…`, 0);
  }

  receive(message) {
    this.events.push({ at: performance.now(), phase: message.phase, reason: message.reason });
    if (message.phase === "progress") {
      const { step, steps, loss } = message.progress;
      this.setStatus(`Learning: step ${step} of ${steps} · loss ${loss.toFixed(3)}`, step / steps);
      return;
    }
    this.running = false;
    if (message.result) {
      this.result = message.result;
      this.app.training.adopt(message.model, "Taught on your digits");
    }
    if (message.digits) this.show(message.digits, false); // the same digits, read by the taught network
    if (message.reason === "error") this.showError(`Learning stopped: ${message.message}`);
    this.showSummary(message.reason);
    const stopFocused = document.activeElement === $("teach-stop");
    this.update();
    if (stopFocused || document.activeElement === document.body) $("teach-run").focus({ preventScroll: true });
  }

  showSummary(reason) {
    const result = this.result;
    if (!result || reason === "error") {
      this.setStatus(this.countText(), 0);
      return;
    }
    const { before, after, steps, seconds, settings } = result;
    const n = result.labels.length;
    const points = (after.val_accuracy - before.val_accuracy) * 100;
    const sign = points > 0 ? "+" : points < 0 ? "−" : "±";
    const stopped = reason === "stopped" ? `Stopped after ${steps} steps. ` : "";
    this.setStatus(`${stopped}Done: ${steps} steps in ${seconds.toFixed(1)} s`, reason === "stopped" ? null : 1);
    $("teach-summary").textContent =
      `Your ${plural(n, "digit")}: ${before.correct} read right before, ${after.correct} after. ` +
      `The 1,000 held-out digits: ${percent(before.val_accuracy)} before, ${percent(after.val_accuracy)} after ` +
      `(${sign}${Math.abs(points).toFixed(1)} points). The taught network is now "yours": Download weights ` +
      `saves it, Reset to the pretrained network goes back.`;
    $("teach-method").textContent =
      `Each step mixed ${settings.mine_per_step} of your digits (each slightly rotated, scaled and shifted) with ` +
      `${settings.mine_per_step * settings.replay_per_mine} MNIST training digits, learning rate ${settings.lr}, ` +
      `momentum ${settings.momentum}.`;
  }

  async stop() {
    if (!this.running) return;
    $("teach-stop").disabled = true;
    this.setStatus("Stopping…", null);
    await this.python.request("teach-stop").catch(() => {});
  }

  export() {
    const text = this.digits?.n ? this.digits.text : this.unreadable;
    if (text) saveFile(text, "scratchnn-my-digits.json");
  }

  /** Digits from a file the visitor chose, added after theirs; the page never reads the file itself. */
  async import(file) {
    if (!file) return;
    $("digits-import").value = ""; // the same file again fires "change" again
    this.showError(null);
    if (file.size > MAX_FILE_BYTES) {
      const size = (file.size / 1e6).toFixed(1);
      this.showError(
        `Could not import ${file.name}: it is ${size} MB, and a digits file may be at most 2 MB. Your digits are unchanged.`,
      );
      return;
    }
    const before = this.digits?.n ?? 0;
    try {
      this.result = null;
      this.show(await this.python.request("digits-load", { file, filename: file.name }), true);
      this.say(`Imported ${plural(this.digits.n - before, "digit")} from ${file.name}.`);
    } catch (error) {
      if (error.lost) return;
      const named = error.message.startsWith(`${file.name}: `);
      const reason = (named ? error.message.slice(file.name.length + 2) : error.message).replace(/\.$/, "");
      this.showError(`Could not import ${file.name}: ${reason}. Your digits are unchanged.`);
    }
  }

  /** Clear asks once more ("Clear 12 digits? Press again") before it forgets them. */
  async clear() {
    const button = $("digits-clear");
    if (performance.now() > this.confirmUntil) {
      this.confirmUntil = performance.now() + CONFIRM_MS;
      button.textContent = `Clear ${plural(this.digits?.n ?? 0, "digit")}? Press again`;
      setTimeout(() => this.resetClear(), CONFIRM_MS);
      return;
    }
    this.resetClear();
    this.result = null;
    if (this.unreadable) {
      this.unreadable = null; // Clear is the one way to remove a stored copy that could not be read
      this.store(null);
      this.showError(null);
    }
    if (await this.ask("digits-clear", {}, "clear your digits")) this.say("Your digits are cleared.");
  }

  resetClear() {
    this.confirmUntil = 0;
    $("digits-clear").textContent = "Clear my digits";
  }

  countText() {
    const digits = this.digits;
    if (!digits?.n) return "No digits yet.";
    const model = digits.model ? ` the ${digits.model} network` : "";
    return `${plural(digits.n, "digit")} (at most ${digits.max_digits}):${model} reads ${digits.correct} right.`;
  }

  update() {
    const { state } = this.app;
    const result = state.result;
    const canAdd = this.ready && !this.running && result && !result.empty;
    for (const button of $("teach-labels").querySelectorAll("button")) {
      button.disabled = !canAdd;
      button.classList.toggle("answer", Boolean(canAdd && Number(button.dataset.label) === result.digit));
    }
    if (!this.running) {
      const note = canAdd ? `It reads ${result.digit}. If it is another digit, press it.` : "Draw a digit first.";
      $("teach-add-note").textContent = this.note?.result === result ? this.note.text : note;
      if (!this.result) this.setStatus(this.countText(), 0);
    }
    const has = Boolean(this.digits?.n);
    $("teach-run").disabled = !this.ready || this.running || !has;
    $("teach-stop").disabled = !this.running;
    $("digits-export").disabled = !(has || this.unreadable);
    $("digits-clear").disabled = this.running || !(has || this.unreadable);
    $("digits-import").disabled = !this.ready || this.running;
    $("digits-import-label").classList.toggle("disabled", !this.ready || this.running);
    $("teach").dataset.state = this.running ? "running" : "idle";
  }

  /** A note that stays until the answer on show changes. */
  say(text) {
    this.note = { result: this.app.state.result, text };
    $("teach-add-note").textContent = text;
  }

  setStatus(text, fraction) {
    $("teach-status").textContent = text;
    if (fraction !== null) {
      const value = Math.round(fraction * 1000) / 10;
      $("teach-bar").style.width = `${value}%`;
      $("teach-bar").parentElement.setAttribute("aria-valuenow", String(value));
    }
  }

  showError(text) {
    $("teach-error").hidden = !text;
    $("teach-error").textContent = text ?? "";
  }
}
