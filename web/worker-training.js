/* Training in the page, inside the Python worker: the request handlers worker.js imports.
 *
 * All decisions and all math are Python (scratchnn/browser/trainer.py); this file runs the loop:
 * train one time slice (about 50 ms) in Python, post the progress, yield to the event loop so
 * that Stop and prediction requests are handled, and go on. Python cannot be interrupted without
 * SharedArrayBuffer, so Stop is a flag read between two slices: it takes effect within one slice.
 *
 * The messages (defined in python/scratchnn/browser/messages.py, mirrored in messages.js):
 * Page -> worker (requests; each gets a {type: "result", id, ...} answer like worker.js's):
 *   {type: "train", id, mode: "scratch" | "continue", settings: {hidden, lr, batch_size, epochs}}
 *        validates, starts, answers {settings, model} at once; the run then posts "training" events
 *   {type: "train-stop", id}          answers once the run has ended: {stopped: bool} (paused too)
 *   {type: "train-lr", id, lr}        the rate from the next step on (Trainer.set_lr checks it; a bad
 *        one is refused with Python's message and the rate stays): answers a Steering
 *        {lr (the rate in force), paused, examples_seen, lr_changes}
 *   {type: "train-pause", id}         the loop holds between two slices (it waits on a promise, no
 *        busy loop: predictions are still answered); the latest progress is posted first, so no
 *        progress event follows the answer (a Steering) until Resume or Step
 *   {type: "train-resume", id}        the loop goes on: a Steering
 *   {type: "train-step", id}          while paused: exactly one batch (Trainer.step(0)), its progress
 *        posted, then a Steering
 *   {type: "weights-download", id, name?}   a network (default: the current one) as weights JSON:
 *        {text, filename, hidden}
 *   {type: "weights-upload", id, file, filename}   a File or Blob, read here (never in the page) once its
 *        size is within weights.MAX_FILE_BYTES; validated by Python; it becomes the network "yours" only
 *        when everything the page needs is built (all or nothing). filename null: the page's own copy of
 *        the visitor's network, loaded again after a restart (its metadata is kept as it was)
 * Worker -> page (events):
 *   {type: "training", phase: "data", label}                     fetching the training data
 *   {type: "training", phase: "progress", progress, model?}      after each slice (model: the
 *        network's description with its first-layer filters, a few times a second)
 *   {type: "training", phase: "end", reason: "done" | "stopped" | "error", message?, progress, model}
 *   {type: "training", phase: "model", model}   after a stop: the network's description once its
 *        metadata (validation accuracy of the weights as they are) is written
 *   {type: "fatal", message}   Pyodide died while training (its fatal error): the page restarts the worker
 */

import { describe, fatalMessage, isFatal, pythonMessage, toPlain, trainingData, worker } from "./worker-python.js";

const SLICE_SECONDS = 0.05; // one slice of training between two looks at the event loop
const POST_EVERY_MS = 150; // how often progress is posted (fewer page updates: fewer frames to paint)
const FILTERS_EVERY_MS = 400; // how often the first-layer images are sent while training

const training = {
  trainer: null, // the running Trainer (a PyProxy), or null
  model: null, // its network (the page's "yours", a proxy of its own)
  starting: false, // a run is being set up (fetching the data)
  stopRequested: false,
  finished: null, // a promise that resolves when the running loop has ended
  wake: null, // while paused: resolves the loop's wait (Resume, Step, Stop)
  stepWanted: null, // a train-step waiting for its batch: {resolve, reject}
  latest: null, // the last progress, and whether it was posted
  posted: true,
};

async function startTraining({ mode, settings }) {
  if (training.trainer || training.starting) throw new Error("training is already running: stop it first");
  if (worker.teaching) throw new Error("the page is learning from your digits: stop that first");
  training.starting = true;
  try {
    return await beginRun(mode, settings);
  } finally {
    training.starting = false;
  }
}

async function beginRun(mode, settings) {
  const dataset = await trainingData((label) => self.postMessage({ type: "training", phase: "data", label }));
  const checked = worker.browser.check_settings(
    settings.hidden,
    settings.lr,
    settings.batch_size,
    settings.epochs,
    dataset.n_train,
  );
  const start = mode === "continue" ? worker.models.get(worker.current) : null;
  if (mode === "continue" && !start) throw new Error("there is no current network to continue from");
  const trainer = worker.browser.Trainer(dataset, checked, start);
  checked.destroy();
  const model = trainer.model.copy(); // its own proxy: an attribute's would die with the trainer's
  const answer = { model: describe(model), settings: toPlain(trainer.settings_dict()) };
  useAsYours(model); // only now, with everything built
  training.trainer = trainer;
  training.model = model;
  training.stopRequested = false;
  training.latest = null;
  training.posted = true;
  training.finished = runTraining(trainer, model);
  return answer;
}

/** `model` becomes the network "yours" and the current one (the one it replaces is freed). */
export function useAsYours(model) {
  worker.models.get("yours")?.destroy?.();
  worker.models.set("yours", model);
  worker.current = "yours";
}

const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

/** While paused: wait (no busy loop) until Resume, Step or Stop wakes the loop. */
const woken = () => new Promise((resolve) => (training.wake = resolve));

/** Post the latest progress if it has not been (before a pause is answered: the page is up to date). */
function postLatest() {
  if (training.posted || !training.latest) return;
  const model = describe(training.model);
  self.postMessage({ type: "training", phase: "progress", progress: training.latest, model });
  training.posted = true;
}

async function runTraining(trainer, model) {
  let lastFilters = performance.now();
  let lastPost = 0;
  const started = performance.now();
  let pausedMs = 0; // time spent paused: not part of the run's elapsed time
  let reason = "done";
  let message;
  let progress;
  try {
    for (;;) {
      await nextTurn(); // Stop, Pause, a new rate, predictions and model switches are handled here
      if (training.stopRequested) {
        reason = "stopped";
        break;
      }
      const step = training.stepWanted;
      if (trainer.paused && !step) {
        const since = performance.now();
        await woken();
        pausedMs += performance.now() - since;
        continue;
      }
      training.stepWanted = null;
      progress = toPlain(trainer.step(step ? 0 : SLICE_SECONDS)); // a Step: exactly one batch
      progress.elapsed_seconds = (performance.now() - started - pausedMs) / 1000;
      training.latest = progress;
      training.posted = false;
      const now = performance.now();
      const epochEnded = progress.batch === progress.batches_per_epoch;
      if (step || epochEnded || progress.done || now - lastPost >= POST_EVERY_MS) {
        const event = { type: "training", phase: "progress", progress };
        if (step || epochEnded || now - lastFilters >= FILTERS_EVERY_MS) {
          event.model = describe(model);
          lastFilters = now;
        }
        self.postMessage(event);
        training.posted = true;
        lastPost = now;
      }
      step?.resolve(toPlain(trainer.steering()));
      if (progress.done) break;
    }
  } catch (error) {
    training.stepWanted?.reject(error);
    training.stepWanted = null;
    if (isFatal(error)) {
      training.trainer = null; // Python cannot even free it now
      self.postMessage({ type: "fatal", message: fatalMessage(error) });
      return;
    }
    reason = "error";
    message = pythonMessage(error);
  }
  try {
    const final = toPlain(trainer.stop());
    final.elapsed_seconds = (performance.now() - started) / 1000;
    self.postMessage({ type: "training", phase: "end", reason, message, progress: final, model: describe(model) });
    if (final.stopped) {
      trainer.finish(); // the metadata of a stopped run: its validation accuracy now (a pass over 1,000 images)
      self.postMessage({ type: "training", phase: "model", model: describe(model) });
    }
    trainer.destroy();
  } catch (error) {
    if (!isFatal(error)) throw error;
    self.postMessage({ type: "fatal", message: fatalMessage(error) });
  } finally {
    training.stepWanted?.reject(new Error("the run ended before the step"));
    Object.assign(training, { trainer: null, model: null, wake: null, stepWanted: null });
  }
}

async function stopTraining() {
  if (!training.trainer) return { stopped: false };
  training.stopRequested = true;
  training.wake?.(); // a paused loop wakes up to stop
  await training.finished;
  return { stopped: true };
}

/** The running Trainer, or an error saying there is none to steer. */
function runningTrainer(what) {
  if (!training.trainer || training.stopRequested) throw new Error(`there is no training run to ${what}`);
  return training.trainer;
}

/** LrRequest: the rate for the next steps (Python checks it, and records where it took effect). */
const setRate = ({ lr }) => toPlain(runningTrainer("change the learning rate of").set_lr(lr));

/** PauseRequest: hold the run between two slices; the page gets the latest progress first. */
function pauseTraining() {
  const trainer = runningTrainer("pause");
  const answer = toPlain(trainer.pause());
  postLatest();
  return answer;
}

/** ResumeRequest: go on training. */
function resumeTraining() {
  const answer = toPlain(runningTrainer("resume").resume());
  training.wake?.();
  return answer;
}

/** StepRequest: while paused, exactly one batch; answers once it is taken. */
function stepTraining() {
  const trainer = runningTrainer("step");
  if (!trainer.paused) throw new Error("Step trains one batch while the run is paused: pause it first");
  if (training.stepWanted) throw new Error("a step is already being taken");
  return new Promise((resolve, reject) => {
    training.stepWanted = { resolve, reject };
    training.wake?.();
  });
}

function downloadWeights({ name }) {
  const model = worker.models.get(name ?? worker.current);
  if (!model) throw new Error(name ? `there is no network ${name}` : "no network is loaded");
  return { ...toPlain(worker.browser.download(model)), hidden: model.hidden };
}

const megabytes = (bytes) => `${(bytes / 1e6).toLocaleString("en", { maximumFractionDigits: 1 })} MB`;

async function uploadWeights({ file, filename }) {
  refuseWhileTraining();
  const limit = worker.manifest.weights_limits.max_bytes; // weights.MAX_FILE_BYTES, from site.json
  const name = filename ?? "the page's copy of your network";
  if (file.size > limit) {
    throw new Error(`${name} is ${megabytes(file.size)}; weights files may be at most ${megabytes(limit)}`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  refuseWhileTraining(); // a run may have started while the file was being read
  const buffer = worker.pyodide.toPy(bytes);
  let model;
  try {
    model = worker.browser.upload(buffer, filename); // raises WeightsError naming the problem
  } finally {
    buffer.destroy();
  }
  let description;
  try {
    description = describe(model);
  } catch (error) {
    model.destroy();
    throw error;
  }
  useAsYours(model); // all or nothing: only a network the page can show replaces the current one
  return description;
}

function refuseWhileTraining() {
  if (training.trainer || training.starting) throw new Error("stop the training before loading other weights");
  if (worker.teaching) throw new Error("the page is learning from your digits: stop that before loading other weights");
}

/** A training run is going on (or being set up): teaching waits for it (worker-teach.js). */
export const isTraining = () => Boolean(training.trainer || training.starting);

// The request handlers worker.js puts in its one table (by message type).
export const TRAINING_HANDLERS = {
  train: startTraining,
  "train-stop": stopTraining,
  "train-lr": setRate,
  "train-pause": pauseTraining,
  "train-resume": resumeTraining,
  "train-step": stepTraining,
  "weights-download": downloadWeights,
  "weights-upload": uploadWeights,
};
