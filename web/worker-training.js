/* Training in the page, inside the Python worker (loaded by worker.js with importScripts).
 *
 * All decisions and all math are Python (scratchnn/page_training.py); this file runs the loop:
 * train one time slice (about 50 ms) in Python, post the progress, yield to the event loop so
 * that Stop and prediction requests are handled, and go on. Python cannot be interrupted without
 * SharedArrayBuffer, so Stop is a flag read between two slices: it takes effect within one slice.
 *
 * Page -> worker (requests; each gets a {type: "result", id, ...} answer like worker.js's):
 *   {type: "train", id, mode: "scratch" | "continue", settings: {hidden, lr, batch_size, epochs}}
 *        validates, starts, answers {settings, model} at once; the run then posts "training" events
 *   {type: "train-stop", id}          answers once the run has ended: {stopped: bool}
 *   {type: "weights-download", id}    the current network as weights JSON: {text, filename}
 *   {type: "weights-upload", id, text, filename}   validates it; it becomes the network "yours"
 * Worker -> page (events):
 *   {type: "training", phase: "data", label}                     fetching the training data
 *   {type: "training", phase: "progress", progress, model?}      after each slice (model: the
 *        network's description with its first-layer filters, a few times a second)
 *   {type: "training", phase: "end", reason: "done" | "stopped" | "error", message?, progress, model}
 *   {type: "training", phase: "model", model}   after a stop: the network's description once its
 *        metadata (validation accuracy of the weights as they are) is written
 */
"use strict";

const SLICE_SECONDS = 0.05; // one slice of training between two looks at the event loop
const POST_EVERY_MS = 150; // how often progress is posted (fewer page updates: fewer frames to paint)
const FILTERS_EVERY_MS = 400; // how often the first-layer images are sent while training

const training = {
  module: null, // scratchnn.page_training
  dataset: null, // its Dataset (a PyProxy), fetched on the first run
  trainer: null, // the running Trainer (a PyProxy), or null
  starting: false, // a run is being set up (fetching the data)
  stopRequested: false,
  finished: null, // a promise that resolves when the running loop has ended
};

function trainingModule() {
  if (!training.module) training.module = pyodide.pyimport("scratchnn.page_training");
  return training.module;
}

function describeModel(model) {
  return toPlain(trainingModule().describe(model));
}

async function trainingData() {
  if (training.dataset) return training.dataset;
  const manifest = JSON.parse(await fetchOk(SITE + "site.json", "text"));
  const entry = manifest.training_data;
  if (!entry) throw new Error("this site has no training data (site.json lists no training_data)");
  const megabytes = (entry.bytes / 1e6).toFixed(1);
  self.postMessage({ type: "training", phase: "data", label: `Fetching ${entry.n_train} MNIST images (${megabytes} MB)` });
  const bytes = new Uint8Array(await fetchOk(SITE + entry.file));
  const buffer = pyodide.toPy(bytes);
  try {
    training.dataset = trainingModule().load_data(buffer, entry.sha256);
  } finally {
    buffer.destroy();
  }
  return training.dataset;
}

async function startTraining({ mode, settings }) {
  if (training.trainer || training.starting) throw new Error("training is already running: stop it first");
  training.starting = true;
  try {
    return await beginRun(mode, settings);
  } finally {
    training.starting = false;
  }
}

async function beginRun(mode, settings) {
  const module = trainingModule();
  const dataset = await trainingData();
  const checked = module.check_settings(
    settings.hidden,
    settings.lr,
    settings.batch_size,
    settings.epochs,
    dataset.n_train,
  );
  const start = mode === "continue" ? models.get(current) : null;
  if (mode === "continue" && !start) throw new Error("there is no current network to continue from");
  const trainer = module.Trainer(dataset, checked, start);
  checked.destroy();
  const model = trainer.model.copy(); // its own proxy: an attribute's would die with the trainer's
  models.get("yours")?.destroy?.();
  models.set("yours", model);
  current = "yours";
  training.trainer = trainer;
  training.stopRequested = false;
  training.finished = runTraining(trainer, model);
  return { model: describeModel(model), settings: toPlain(trainer.settings_dict()) };
}

const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

async function runTraining(trainer, model) {
  let lastFilters = performance.now();
  let lastPost = 0;
  const started = performance.now();
  let reason = "done";
  let message;
  let progress;
  try {
    for (;;) {
      await nextTurn(); // Stop, predictions and model switches are handled here
      if (training.stopRequested) {
        reason = "stopped";
        break;
      }
      progress = toPlain(trainer.step(SLICE_SECONDS));
      progress.elapsed_seconds = (performance.now() - started) / 1000;
      const now = performance.now();
      const epochEnded = progress.batch === progress.batches_per_epoch;
      if (epochEnded || progress.done || now - lastPost >= POST_EVERY_MS) {
        const event = { type: "training", phase: "progress", progress };
        if (epochEnded || now - lastFilters >= FILTERS_EVERY_MS) {
          event.model = describeModel(model);
          lastFilters = now;
        }
        self.postMessage(event);
        lastPost = now;
      }
      if (progress.done) break;
    }
  } catch (error) {
    reason = "error";
    message = pythonMessage(error);
  }
  try {
    const final = toPlain(trainer.stop());
    final.elapsed_seconds = (performance.now() - started) / 1000;
    self.postMessage({ type: "training", phase: "end", reason, message, progress: final, model: describeModel(model) });
    if (final.stopped) {
      trainer.finish(); // the metadata of a stopped run: its validation accuracy now (a pass over 1,000 images)
      self.postMessage({ type: "training", phase: "model", model: describeModel(model) });
    }
  } finally {
    training.trainer = null;
    trainer.destroy();
  }
}

async function stopTraining() {
  if (!training.trainer) return { stopped: false };
  training.stopRequested = true;
  await training.finished;
  return { stopped: true };
}

function downloadWeights() {
  const model = models.get(current);
  if (!model) throw new Error("no network is loaded");
  return toPlain(trainingModule().download(model));
}

function uploadWeights({ text, filename }) {
  if (training.trainer) throw new Error("stop the training before loading other weights");
  const model = trainingModule().upload(text, filename); // raises WeightsError naming the problem
  models.get("yours")?.destroy?.();
  models.set("yours", model);
  current = "yours";
  return describeModel(model);
}

// A Python exception's own message ("Learning rate must be ..."), without the traceback.
function pythonMessage(error) {
  const text = String((error && error.message) || error);
  if (!error || !error.type) return text;
  const lines = text.trim().split("\n");
  const last = lines[lines.length - 1];
  return last.startsWith(error.type + ": ") ? last.slice(error.type.length + 2) : last;
}

const withPythonMessages =
  (handler) =>
  async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      throw new Error(pythonMessage(error));
    }
  };

// The request handlers worker.js dispatches to (by message type).
const TRAINING_REQUESTS = {
  train: withPythonMessages(startTraining),
  "train-stop": withPythonMessages(stopTraining),
  "weights-download": withPythonMessages(downloadWeights),
  "weights-upload": withPythonMessages(uploadWeights),
};
