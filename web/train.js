// The training panel: settings, Train / Continue / Stop / Reset, live progress and chart,
// Download and Load weights. The training itself is Python in the worker
// (worker-training.js -> scratchnn/page_training.py); this module shows what it reports.

import { TrainingChart } from "./chart.js";
import { PALETTE, showModel } from "./view.js";

const $ = (id) => document.getElementById(id);
const YOURS = "yours";

/**
 * @param {{python: object, ready: Promise, state: object, switchModel: Function, predictSoon: Function}} app
 *   what the page (app.js) shares: the worker client, its state and how to switch networks.
 */
export function initTraining(app) {
  const panel = new TrainingPanel(app);
  window.scratchnn.training = panel; // for the end-to-end tests and the benchmark
  return panel;
}

class TrainingPanel {
  constructor({ python, ready, state, switchModel, predictSoon }) {
    this.python = python;
    this.app = { state, switchModel, predictSoon };
    this.chart = new TrainingChart($("train-chart"));
    this.running = false;
    this.pretrained = null; // the network to go back to on Reset
    this.events = []; // every training event received, with its arrival time (for tests)
    this.last = null; // the last progress
    this.lineage = false; // the chart shows the current "yours" network's training so far
    python.onTraining = (message) => this.receive(message);
    $("train-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.train("scratch");
    });
    $("train-continue").addEventListener("click", () => this.train("continue"));
    $("train-stop").addEventListener("click", () => this.stop());
    $("train-reset").addEventListener("click", () => this.reset());
    $("weights-download").addEventListener("click", () => this.download());
    $("weights-file").addEventListener("change", (event) => this.upload(event.target.files[0]));
    this.setBusy(true);
    ready.then(() => this.setBusy(false));
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
    this.setBusy(true);
    this.setStatus(continuing ? "Preparing to continue…" : "Preparing…", 0);
    let answer;
    try {
      answer = await this.python.request("train", { mode, settings: this.settings() });
    } catch (error) {
      this.showError(error.message);
      this.setStatus(this.last ? this.statusText(this.last) : "Not training", this.last ? 1 : 0);
      this.setBusy(false);
      return;
    }
    this.running = true;
    this.started = performance.now();
    this.runSettings = answer.settings;
    $("train-hidden").value = String(answer.settings.hidden);
    if (!keepChart) this.chart.clear(answer.settings.epochs);
    this.lineage = true;
    this.setBusy(true);
    this.showNetwork(answer.model, true);
    this.setStatus(`Epoch 1 of ${answer.settings.epochs}: starting`, 0);
  }

  receive(message) {
    this.events.push({ at: performance.now(), phase: message.phase, reason: message.reason });
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
    return (
      `Epoch ${progress.epoch} of ${progress.epochs} · batch ${progress.batch} of ${progress.batches_per_epoch}` +
      accuracy
    );
  }

  finish({ reason, message, progress, model }) {
    this.running = false;
    this.showNetwork(model);
    const epochs = progress.history.length;
    const latest = progress.history[epochs - 1];
    const accuracy = latest ? `, validation accuracy ${(latest.val_accuracy * 100).toFixed(1)}%` : "";
    if (reason === "done") this.setStatus(`Done: ${epochs} epoch${epochs === 1 ? "" : "s"}${accuracy}`, 1, "done");
    else if (reason === "stopped") this.setStatus(`Stopped after ${epochs} full epoch${epochs === 1 ? "" : "s"}${accuracy}`, null, "stopped");
    else {
      this.setStatus("Training failed", null, "error");
      this.showError(message);
    }
    this.showSpeed(progress);
    this.setBusy(false);
  }

  async stop() {
    if (!this.running) return;
    this.stopClicked = performance.now();
    $("train-stop").disabled = true;
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
    this.pretrained = null;
    this.lineage = false;
    this.last = null;
    this.chart.clear(1);
    $("train-speed").textContent = "";
    this.setStatus("Back to the pretrained network", 0);
    this.setBusy(false);
  }

  async download() {
    this.showError(null);
    try {
      const { text, filename } = await this.python.request("weights-download");
      const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.showError(`Could not save the weights: ${error.message}`);
    }
  }

  async upload(file) {
    if (!file) return;
    this.showError(null);
    $("weights-file").value = ""; // choosing the same file again fires "change" again
    const previous = this.app.state.model?.name;
    try {
      const text = await file.text();
      const model = await this.python.request("weights-upload", { text, filename: file.name });
      this.pretrained ??= previous ?? "default";
      this.lineage = model.trained_with === "the web page (Pyodide)";
      this.last = null;
      this.chart.clear(1);
      this.showNetwork(model, true);
      this.setStatus(`Loaded ${file.name}`, null, "done");
    } catch (error) {
      this.showError(`Could not load ${file.name}: ${error.message}. The current network is unchanged.`);
    }
  }

  /** Show the visitor's network: its entry in the picker always; its first-layer weights and
   * prediction when it is the network on show (or `select`: it has just become the current one). */
  showNetwork(description, select = false) {
    const { state, predictSoon } = this.app;
    if (description.name === YOURS) this.showChoice(description, select);
    if (!select && document.body.dataset.model !== description.name) return; // the visitor looks at another
    state.model = description;
    document.body.dataset.model = description.name;
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
    $("train-stop").disabled = !this.running;
    $("train-reset").disabled = !this.running && busy;
  }
}

/** The first-layer images: redrawn in place when the tiles are there (cheap enough to do a few
 * times a second while training), else built by the page's showModel. */
function showFilters(description) {
  const canvases = $("units").querySelectorAll(".unit canvas");
  if (canvases.length !== description.hidden || $("units").dataset.hidden !== String(description.hidden)) {
    showModel(description);
    return;
  }
  const filters = description.filters;
  canvases.forEach((canvas, k) => {
    const ctx = canvas.getContext("2d");
    const pixels = ctx.createImageData(28, 28);
    const data = pixels.data;
    for (let i = 0; i < 784; i++) {
      const color = PALETTE[filters[k * 784 + i]];
      data[i * 4] = color[0];
      data[i * 4 + 1] = color[1];
      data[i * 4 + 2] = color[2];
      data[i * 4 + 3] = 255;
    }
    ctx.putImageData(pixels, 0, 0);
  });
}
