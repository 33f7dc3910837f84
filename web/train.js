// The training panel: settings, Train / Continue / Pause / Step / Stop / Reset, a learning rate
// that can be changed while training, live progress and chart, Download and Load weights. The training itself is Python in the worker
// (worker-training.js -> scratchnn/browser/trainer.py); this module shows what it reports.

import { TrainingChart } from "./chart.js";
import { showModel, updateFilters } from "./view.js";

const $ = (id) => document.getElementById(id);
const YOURS = "yours";
// The largest weights file the page loads, when the worker does not say (weights.py's limits).
const LIMITS = { max_bytes: 24_000_000, max_hidden: 2048 };
const megabytes = (bytes) => `${(bytes / 1e6).toLocaleString("en", { maximumFractionDigits: 1 })} MB`;

/**
 * @param {{python: object, state: object, switchModel: Function, predictSoon: Function, networkChanged: Function}} app
 *   what the page (app.js) shares: the worker client, its state, how to switch networks, and whom
 *   to tell when the network on show changes (training, upload, reset).
 *   The page calls the panel's pythonReady() when Python is ready and pythonLost() when it is gone.
 */
export function initTraining(app) {
  const panel = new TrainingPanel(app);
  window.scratchnn.training = panel; // for the end-to-end tests and the benchmark
  return panel;
}

class TrainingPanel {
  constructor({ python, state, switchModel, predictSoon, networkChanged }) {
    this.python = python;
    this.app = { state, switchModel, predictSoon, networkChanged };
    this.chart = new TrainingChart($("train-chart"));
    this.running = false;
    this.pretrained = null; // the network to go back to on Reset
    this.events = []; // every training event received, with its arrival time (for tests)
    this.last = null; // the last progress
    this.lineage = false; // the chart shows the current "yours" network's training so far
    // The weights JSON of the visitor's network, kept in the page (after each run and each upload):
    // if Python dies, the new worker gets it back. {text, filename, hidden}, or null.
    this.kept = null;
    this.keptFor = 0; // which "yours" the copy belongs to (a Reset forgets it)
    this.lost = false; // Python is being restarted: the panel waits for it
    this.yoursShown = false; // "yours" was on show when Python was lost
    this.runLost = false; // a run was in progress when Python was lost
    // Steering the run (worker-training.js: train-lr, train-pause, train-resume, train-step):
    this.rate = null; // the learning rate in force, as the worker last said
    this.paused = false;
    this.steering = false; // a pause, resume or step request is on its way
    this.rateSent = null; // the typed rate of a train-lr request on its way
    this.earlierMarks = []; // the chart's rate marks from earlier runs of the same network
    python.onTraining = (message) => this.receive(message);
    $("train-form").addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.running)
        this.changeRate(); // Enter in the learning-rate field while training
      else this.train("scratch");
    });
    $("train-lr").addEventListener("change", () => this.changeRate());
    $("train-continue").addEventListener("click", () => this.train("continue"));
    $("train-pause").addEventListener("click", () => this.togglePause());
    $("train-step").addEventListener("click", () => this.stepOnce());
    $("train-stop").addEventListener("click", () => this.stop());
    $("train-reset").addEventListener("click", () => this.reset());
    $("weights-download").addEventListener("click", () => this.download());
    $("weights-file").addEventListener("change", (event) => this.upload(event.target.files[0]));
    this.showLimits();
    this.setBusy(true);
  }

  /** The largest weights file the page loads: the worker's word (site.json), else weights.py's. */
  limits() {
    const given = this.app.state.limits;
    const valid = (n) => Number.isFinite(n) && n > 0;
    return given && valid(given.max_bytes) && valid(given.max_hidden) ? given : LIMITS;
  }

  /** The limits, stated beside Load weights… (the note is made here, under the weights buttons). */
  showLimits() {
    let note = $("weights-limits");
    if (!note) {
      note = document.createElement("p");
      note.id = "weights-limits";
      note.className = "train-note weights-limits";
      $("weights-label").parentElement.after(note);
      $("weights-file").setAttribute("aria-describedby", note.id);
    }
    const { max_bytes, max_hidden } = this.limits();
    note.textContent =
      `Load weights… takes a weights JSON file of at most ${megabytes(max_bytes)} ` +
      `and ${max_hidden.toLocaleString("en")} hidden units.`;
  }

  /** Python is gone (it died, or the visitor pressed Retry): nothing can run until it is back. */
  pythonLost() {
    if (this.lost) return;
    this.lost = true;
    this.yoursShown = document.body.dataset.model === YOURS;
    this.runLost = this.running;
    this.running = false;
    this.paused = false;
    const then = this.kept ? "; your network will be re-loaded" : "";
    this.setStatus(`Waiting for Python to start again${then}…`, null, "idle");
    this.setBusy(true);
  }

  /** Python is ready (the first time, or again after a restart: then the visitor's network is re-loaded). */
  async pythonReady() {
    this.showLimits();
    if (this.lost) {
      this.lost = false;
      this.setBusy(true);
      await this.restore();
    }
    if (!this.lost) this.setBusy(false);
  }

  /** After a restart: load the page's copy of the visitor's network into the new worker, or, if
   * that fails, offer the copy for download. Says which in the panel. */
  async restore() {
    const runLost = this.runLost ? "the training run in progress was lost; " : "";
    if (!this.kept) {
      if (runLost) this.setStatus(`Python stopped and was restarted: ${runLost}train again.`, 0, "error");
      else this.setStatus("Not trained yet: choose the settings and press Train.", 0);
      return;
    }
    const { text, hidden } = this.kept;
    this.setStatus("Re-loading your network…", null);
    try {
      const file = new Blob([text], { type: "application/json" });
      const model = await this.python.request("weights-upload", { file, filename: null });
      this.showNetwork(model, this.yoursShown);
      const network = `your network (${hidden} hidden units) ${runLost ? "as it was before that run " : ""}`;
      const said = `Python was restarted: ${runLost}${network}was re-loaded from the copy the page kept.`;
      this.setStatus(said, null, "done");
    } catch (error) {
      if (error.lost) return; // it died again: the next restart tries again
      this.setStatus("Python was restarted, but your network could not be re-loaded", null, "error");
      this.showError(`Could not re-load your network: ${error.message}. Save the page's copy of it:`);
      this.offerKeptCopy();
    }
  }

  /** A button in the error box that saves the page's copy of the visitor's network. */
  offerKeptCopy() {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.id = "weights-save-kept";
    button.textContent = "Save your network";
    const { text, filename } = this.kept;
    button.addEventListener("click", () => saveFile(text, filename));
    $("train-error").append(" ", button);
  }

  /** Keep the weights JSON of "yours" in the page (after a run, after an upload). */
  async keep() {
    const owner = this.keptFor;
    try {
      const { text, filename, hidden } = await this.python.request("weights-download", { name: YOURS });
      if (owner !== this.keptFor) return; // Reset or another upload meanwhile: that network is gone
      this.kept = { text, filename, hidden };
    } catch {
      // keep the copy there was (Python died meanwhile: the restart re-loads that one)
    }
  }

  settings() {
    const value = (id) => $(id).value.trim();
    return {
      hidden: value("train-hidden"),
      lr: value("train-lr"),
      batch_size: value("train-batch"),
      epochs: value("train-epochs"),
    };
  }

  /** Start a run: from scratch, or on from the current network's weights. */
  async train(mode) {
    if (this.running) return;
    this.showError(null);
    this.pretrained ??= this.app.state.model?.name ?? "default";
    const continuing = mode === "continue";
    const keepChart = continuing && this.app.state.model?.name === YOURS && this.lineage;
    const pressed = document.activeElement; // Train or Continue: disabled while it runs
    const hadFocus = pressed === $("train-scratch") || pressed === $("train-continue");
    this.setBusy(true);
    this.setStatus(continuing ? "Preparing to continue…" : "Preparing…", 0);
    let answer;
    try {
      answer = await this.python.request("train", { mode, settings: this.settings() });
    } catch (error) {
      this.showError(error.message);
      this.setStatus(this.last ? this.statusText(this.last) : "Not training", this.last ? 1 : 0);
      this.setBusy(false);
      if (hadFocus) pressed.focus();
      return;
    }
    this.running = true;
    this.started = performance.now();
    this.runSettings = answer.settings;
    this.rate = answer.settings.lr;
    this.paused = false;
    this.last = null; // the previous run's progress is not this one's
    $("train-hidden").value = String(answer.settings.hidden);
    $("train-lr").value = String(answer.settings.lr);
    if (!keepChart) this.chart.clear(answer.settings.epochs);
    this.earlierMarks = this.chart.marks.slice();
    this.lineage = true;
    this.setBusy(true);
    if (hadFocus) $("train-pause").focus(); // the keyboard's place: beside Stop, not lost on <body>
    this.showNetwork(answer.model, true);
    this.setStatus(`Epoch 1 of ${answer.settings.epochs}: starting`, 0);
  }

  receive(message) {
    const { examples_seen, lr } = message.progress ?? {};
    this.events.push({ at: performance.now(), phase: message.phase, reason: message.reason, examples_seen, lr });
    if (message.phase === "data") {
      this.setStatus(message.label + "…", 0);
      return;
    }
    if (message.phase === "model") {
      this.showNetwork(message.model);
      return;
    }
    const progress = message.progress;
    this.last = progress;
    const offset = progress.epoch_offset ?? 0;
    const total = offset + (this.runSettings?.epochs ?? progress.epochs);
    if (progress.batch) {
      const x = offset + progress.epoch - 1 + progress.batch / progress.batches_per_epoch;
      const points = {};
      if (progress.recent_loss !== undefined) {
        points.loss = [x, progress.recent_loss];
        points.accuracy = [x, progress.recent_accuracy];
      }
      const ended = progress.history[progress.history.length - 1];
      if (ended && progress.batch === progress.batches_per_epoch && ended.epoch === offset + progress.epoch) {
        points.valLoss = [ended.epoch, ended.val_loss];
        points.valAccuracy = [ended.epoch, ended.val_accuracy];
      }
      this.chart.add(points, total);
    }
    if (progress.lr_changes) this.showRateChanges(progress.lr_changes);
    if (message.model) this.showNetwork(message.model);
    if (message.phase === "progress") {
      const done = (progress.epoch - 1 + progress.batch / progress.batches_per_epoch) / progress.epochs;
      this.setStatus(this.statusText(progress), done);
    } else if (message.phase === "end") {
      this.finish(message);
    }
  }

  statusText(progress) {
    const history = progress.history;
    const latest = history[history.length - 1];
    const accuracy = latest ? ` · validation accuracy ${(latest.val_accuracy * 100).toFixed(1)}%` : "";
    if (!this.running || !progress.batch) return `${history.length} epochs trained${accuracy}`;
    const batch = `batch ${progress.batch} of ${progress.batches_per_epoch}`;
    if (this.paused) {
      const next = `next step at learning rate ${this.rate}`;
      return `Paused at epoch ${progress.epoch} of ${progress.epochs} · ${batch} · ${next}${accuracy}`;
    }
    return `Epoch ${progress.epoch} of ${progress.epochs} · ${batch} · learning rate ${progress.lr}${accuracy}`;
  }

  /** The rate changes of this run (Python's list: where each took effect), after the earlier runs'. */
  showRateChanges(changes) {
    this.chart.setMarks([...this.earlierMarks, ...changes.map(({ epoch, lr }) => ({ x: epoch, lr }))]);
  }

  /** The worker's answer to a steering request: the rate in force, paused or not, the changes. */
  steered(answer) {
    this.rate = answer.lr;
    this.paused = answer.paused;
    this.events.push({ at: performance.now(), phase: "steering", ...answer }); // {lr, paused, examples_seen, lr_changes}
    if (!this.rateSent) $("train-lr").value = String(answer.lr);
    this.showRateChanges(answer.lr_changes);
    if (this.last) this.setStatus(this.statusText(this.last), null);
    else if (this.paused)
      this.setStatus(`Paused before the first step · next step at learning rate ${this.rate}`, null);
    else this.setStatus(`Epoch 1 of ${this.runSettings.epochs}: starting`, null);
    this.showControls();
  }

  /** While training: the learning-rate field's value for the next steps. A value Python refuses
   * is shown with its message, and the field goes back to the rate in force. */
  async changeRate() {
    const field = $("train-lr");
    const typed = field.value.trim();
    if (!this.running || this.stopClicked > this.started || typed === this.rateSent) return;
    if (typed !== "" && Number(typed) === this.rate) return; // the rate in force: nothing to change
    this.rateSent = typed;
    try {
      const answer = await this.python.request("train-lr", { lr: typed });
      this.rateSent = null;
      this.showError(null);
      this.steered(answer);
    } catch (error) {
      this.rateSent = null;
      if (error.lost) return;
      this.showError(error.message);
      if (this.rate !== null) field.value = String(this.rate);
    }
  }

  /** Pause or Resume: the worker holds the run between two steps, or goes on. */
  async togglePause() {
    await this.steer(this.paused ? "train-resume" : "train-pause");
  }

  /** Step, while paused: exactly one batch. */
  async stepOnce() {
    if (this.paused) await this.steer("train-step");
  }

  async steer(type) {
    if (!this.running || this.steering) return;
    this.steering = true;
    this.showControls();
    try {
      this.steered(await this.python.request(type));
    } catch (error) {
      if (!error.lost && this.running) this.showError(error.message);
    } finally {
      this.steering = false;
      this.showControls();
    }
  }

  finish({ reason, message, progress, model }) {
    this.running = false;
    this.paused = false;
    this.showNetwork(model);
    const epochs = progress.history.length;
    const latest = progress.history[epochs - 1];
    const accuracy = latest ? `, validation accuracy ${(latest.val_accuracy * 100).toFixed(1)}%` : "";
    if (reason === "done") this.setStatus(`Done: ${epochs} epoch${epochs === 1 ? "" : "s"}${accuracy}`, 1, "done");
    else if (reason === "stopped")
      this.setStatus(`Stopped after ${epochs} full epoch${epochs === 1 ? "" : "s"}${accuracy}`, null, "stopped");
    else {
      this.setStatus("Training failed", null, "error");
      this.showError(message);
    }
    this.showSpeed(progress);
    const steering = ["train-stop", "train-pause", "train-step"].map($);
    const lost = document.activeElement === document.body || steering.includes(document.activeElement);
    this.setBusy(false);
    if (lost) $("train-scratch").focus({ preventScroll: true }); // its buttons are disabled again
    this.keep();
  }

  async stop() {
    if (!this.running) return;
    this.stopClicked = performance.now();
    this.showControls();
    this.setStatus("Stopping…", null);
    await this.python.request("train-stop");
  }

  /** Stop any run, forget the visitor's network and go back to the pretrained one. */
  async reset() {
    this.showError(null);
    if (this.running) await this.stop();
    const name = this.pretrained ?? "default";
    $("yours-choice")?.remove();
    const radio = document.querySelector(`#models input[value="${name}"]`);
    if (radio) radio.checked = true;
    await this.app.switchModel(name);
    this.kept = null;
    this.keptFor += 1;
    this.pretrained = null;
    this.lineage = false;
    this.last = null;
    this.chart.clear(1);
    this.earlierMarks = [];
    $("train-speed").textContent = "";
    this.setStatus("Back to the pretrained network", 0);
    this.setBusy(false);
  }

  async download() {
    this.showError(null);
    try {
      const { text, filename } = await this.python.request("weights-download");
      saveFile(text, filename);
    } catch (error) {
      this.showError(`Could not save the weights: ${error.message}`);
    }
  }

  /** Load a weights file the visitor chose. The page never reads it: a file over the size limit
   * is refused at once, any other goes to the worker, which reads and checks it (the page stays
   * responsive whatever its size), and it replaces the current network only if all of it works. */
  async upload(file) {
    if (!file) return;
    this.showError(null);
    $("weights-file").value = ""; // choosing the same file again fires "change" again
    const { max_bytes } = this.limits();
    if (file.size > max_bytes) {
      this.showError(
        `Could not load ${file.name}: it is ${megabytes(file.size)}, and weights files may be at most ` +
          `${megabytes(max_bytes)}. The current network is unchanged.`,
      );
      return;
    }
    const previous = this.app.state.model?.name;
    const status = { text: $("train-status").textContent, state: $("train").dataset.state };
    this.setBusy(true);
    this.setStatus(`Reading ${file.name}…`, null);
    try {
      const model = await this.python.request("weights-upload", { file, filename: file.name });
      this.pretrained ??= previous ?? "default";
      this.lineage = model.trained_with === "the web page (Pyodide)";
      this.last = null;
      this.chart.clear(1);
      this.keptFor += 1;
      this.kept = null;
      this.showNetwork(model, true);
      this.setStatus(`Loaded ${file.name}`, null, "done");
      this.keep();
    } catch (error) {
      if (error.lost) {
        this.showError(`Could not load ${file.name}: ${error.message}. Python is being restarted.`);
        return; // the restart re-loads the network there was (pythonReady)
      }
      const named = error.message.startsWith(`${file.name}: `); // Python's messages start with the file's name
      const reason = (named ? error.message.slice(file.name.length + 2) : error.message).replace(/\.$/, "");
      this.showError(`Could not load ${file.name}: ${reason}. The current network is unchanged.`);
      this.setStatus(status.text, null, status.state);
    }
    if (!this.lost) this.setBusy(false);
  }

  /** A network made elsewhere in the page (taught on the visitor's digits, teach.js) becomes
   * "yours", as an upload does: chosen in the picker, kept in the page, the chart started afresh. */
  adopt(description, said) {
    this.pretrained ??= this.app.state.model?.name ?? "default";
    this.lineage = false;
    this.last = null;
    this.chart.clear(1);
    this.keptFor += 1;
    this.kept = null;
    this.showNetwork(description, true);
    this.setStatus(said, null, "done");
    this.keep();
  }

  /** Show the visitor's network: its entry in the picker always; its first-layer weights and
   * prediction when it is the network on show (or `select`: it has just become the current one). */
  showNetwork(description, select = false) {
    const { state, predictSoon } = this.app;
    if (description.name === YOURS) this.showChoice(description, select);
    if (!select && document.body.dataset.model !== description.name) return; // the visitor looks at another
    state.model = description;
    document.body.dataset.model = description.name;
    this.app.networkChanged?.(); // the page's other panels show results of the network there was
    showFilters(description);
    if (description.name === YOURS) {
      const accuracy = this.running
        ? ", training…"
        : description.val_accuracy
          ? `, ${(description.val_accuracy * 100).toFixed(1)}% on validation`
          : "";
      $("inside-summary").textContent = `${description.hidden} hidden units, yours${accuracy}`;
    }
    predictSoon();
  }

  /** The network "yours" in the page's network picker (selected when `select`). */
  showChoice(description, select) {
    let choice = $("yours-choice");
    if (!choice) {
      choice = document.createElement("label");
      choice.id = "yours-choice";
      choice.className = "model";
      choice.innerHTML = `<input type="radio" name="model" value="${YOURS}"><span><strong>yours</strong><small></small></span>`;
      choice.querySelector("input").addEventListener("change", () => this.app.switchModel(YOURS));
      $("models").append(choice);
    }
    const accuracy = this.running
      ? " · training…"
      : description.val_accuracy
        ? ` · ${(description.val_accuracy * 100).toFixed(1)}%`
        : "";
    choice.querySelector("small").textContent = `${description.hidden} hidden${accuracy}`;
    choice.title = "the network you trained or loaded here (validation accuracy on 1,000 held-out digits)";
    if (select) choice.querySelector("input").checked = true;
  }

  setStatus(text, fraction, state = this.running ? "running" : "idle") {
    $("train-status").textContent = text;
    $("train").dataset.state = state;
    if (fraction !== null) {
      const percent = Math.round(fraction * 1000) / 10;
      $("train-bar").style.width = `${percent}%`;
      $("train-bar").parentElement.setAttribute("aria-valuenow", String(percent));
    }
    if (this.running && this.last) this.showSpeed(this.last);
  }

  showSpeed(progress) {
    if (!progress || !progress.examples_seen) return;
    const seconds = progress.elapsed_seconds ?? progress.train_seconds;
    const speed = Math.round(progress.examples_per_second).toLocaleString("en");
    $("train-speed").textContent = `${seconds.toFixed(1)} s · ${speed} examples/s`;
  }

  showError(text) {
    $("train-error").hidden = !text;
    $("train-error").textContent = text ?? "";
  }

  setBusy(busy) {
    for (const id of ["train-scratch", "train-continue", "weights-download", "weights-file"]) $(id).disabled = busy;
    $("weights-label").classList.toggle("disabled", busy);
    for (const input of $("train-form").querySelectorAll("input[type=number], input[type=text]")) input.disabled = busy;
    $("train-reset").disabled = !this.running && busy;
    this.showControls();
  }

  /** The run's buttons: Pause/Resume and Stop while a run goes on, Step only while paused; the
   * learning rate stays editable during a run. */
  showControls() {
    const stopping = this.running && this.stopClicked > this.started;
    const live = this.running && !stopping;
    if (live) $("train-lr").disabled = false;
    $("train-stop").disabled = !live;
    $("train-pause").disabled = !live || this.steering;
    $("train-pause").textContent = this.paused ? "Resume" : "Pause";
    $("train-step").disabled = !live || !this.paused || this.steering;
    $("train").dataset.paused = String(live && this.paused);
  }
}

/** Save `text` as a file named `filename` (the browser's download). */
export function saveFile(text, filename) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The first-layer images: redrawn in place when the tiles are there (cheap enough to do a few
 * times a second while training: only the tiles on show are drawn), else built by showModel. */
function showFilters(description) {
  const tiles = $("units").querySelectorAll(".unit").length;
  if (tiles !== description.hidden || $("units").dataset.hidden !== String(description.hidden)) showModel(description);
  else updateFilters(description);
}
