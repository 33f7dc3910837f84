/* Teaching it your handwriting, inside the Python worker: your digits (scratchnn.browser.digits)
 * and the fine-tuning run on them (scratchnn.browser.teach), in time slices like training.
 *
 * The messages (python/scratchnn/browser/messages.py, mirrored in messages.js):
 *   DigitsLoadRequest {type: "digits-load", id, file, filename}   a File (an import: added to yours) or,
 *        with filename null, the text the page stored (it replaces the digits there are) -> DigitsState
 *   DigitsAddRequest {type: "digits-add", id, pixels, label}      -> DigitsState
 *   DigitsRemoveRequest {type: "digits-remove", id, index}        -> DigitsState
 *   DigitsStateRequest {type: "digits-state", id}                 -> DigitsState (read by the current network)
 *   DigitsClearRequest {type: "digits-clear", id}                 -> DigitsState
 *   TeachRequest {type: "teach", id, steps}   starts a run on the current network; answers
 *        {before: TeachLook, steps} at once, then posts "teaching" events
 *   TeachStopRequest {type: "teach-stop", id}   answers once the run has ended
 * Worker -> page: {type: "teaching", phase: "progress", progress}   a few times a second
 *                 {type: "teaching", phase: "end", reason, message?, result, model, digits}
 *        result: TeachResult (before and after); model: the taught network "yours", now the current one
 */
import { describe, fatalMessage, isFatal, pythonMessage, toPlain, trainingData, worker } from "./worker-python.js";
import { isTraining, useAsYours } from "./worker-training.js";

const SLICE_SECONDS = 0.05;
const POST_EVERY_MS = 150;
const MAX_FILE_BYTES = 2_000_000; // digits.MAX_FILE_BYTES: a larger file is refused before it is read

let mine = null; // the visitor's digits, a Python MyDigits, made on first use
const teaching = { teacher: null, stopRequested: false, finished: null };

const digits = () => (mine ??= worker.browser.MyDigits());
const state = () => toPlain(digits().state(worker.models.get(worker.current) ?? null));

function refuseWhileTeaching() {
  if (worker.teaching) throw new Error("the page is learning from your digits: stop it first");
}

/** DigitsLoadRequest: the stored copy (replaces) or an imported file (added after yours). */
async function loadDigits({ file, filename }) {
  refuseWhileTeaching();
  const name = filename ?? "the digits stored in this browser";
  if (typeof file !== "string" && file.size > MAX_FILE_BYTES) {
    throw new Error(`${name} is ${(file.size / 1e6).toFixed(1)} MB; a digits file may be at most 2 MB`);
  }
  const text = typeof file === "string" ? file : new Uint8Array(await file.arrayBuffer());
  const argument = worker.pyodide.toPy(text);
  try {
    const read = worker.browser.digits_from_json(argument, name); // DigitsError names the problem
    if (filename === null) {
      mine?.destroy();
      mine = read;
    } else {
      digits().extend(read);
      read.destroy();
    }
  } finally {
    argument?.destroy?.();
  }
  return state();
}

function addDigit({ pixels, label }) {
  refuseWhileTeaching();
  const argument = worker.pyodide.toPy(pixels);
  try {
    digits().add(argument, label);
  } finally {
    argument.destroy();
  }
  return state();
}

function removeDigit({ index }) {
  refuseWhileTeaching();
  digits().remove(index);
  return state();
}

function clearDigits() {
  refuseWhileTeaching();
  digits().clear();
  return state();
}

/** TeachRequest: fine-tune a copy of the current network on the digits (teach.Teacher). */
async function teach({ steps }) {
  refuseWhileTeaching();
  if (isTraining()) throw new Error("a training run is going on: stop it before teaching");
  const model = worker.models.get(worker.current);
  if (!model) throw new Error("no network is loaded");
  worker.teaching = true; // from here on, training and uploads wait (worker-training.js)
  try {
    const dataset = await trainingData(); // the replayed MNIST digits come from the page's subset
    const Teacher = worker.browser.Teacher;
    teaching.teacher =
      steps == null ? Teacher(model, digits(), dataset) : Teacher.callKwargs(model, digits(), dataset, { steps });
  } catch (error) {
    worker.teaching = false;
    throw error;
  }
  teaching.stopRequested = false;
  teaching.finished = runTeaching(teaching.teacher);
  const before = toPlain(teaching.teacher.before);
  return { before, steps: teaching.teacher.steps };
}

const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

async function runTeaching(teacher) {
  let lastPost = 0;
  let reason = "done";
  let message;
  try {
    for (;;) {
      await nextTurn(); // Stop and predictions are handled here
      if (teaching.stopRequested) {
        teacher.stop();
        reason = "stopped";
        break;
      }
      const progress = toPlain(teacher.step(SLICE_SECONDS));
      const now = performance.now();
      if (progress.done || now - lastPost >= POST_EVERY_MS) {
        self.postMessage({ type: "teaching", phase: "progress", progress });
        lastPost = now;
      }
      if (progress.done) break;
    }
  } catch (error) {
    if (isFatal(error)) {
      worker.teaching = false;
      self.postMessage({ type: "fatal", message: fatalMessage(error) });
      return;
    }
    reason = "error";
    message = pythonMessage(error);
  }
  try {
    const event = { type: "teaching", phase: "end", reason, message };
    if (reason !== "error" && teacher.taken > 0) {
      const result = teacher.result();
      const after = result.get("after");
      const taught = teacher.taught_model(after);
      after.destroy();
      event.result = toPlain(result);
      useAsYours(taught); // the taught copy becomes "yours" and the current network
      event.model = describe(taught);
    }
    event.digits = state();
    self.postMessage(event);
  } catch (error) {
    if (isFatal(error)) self.postMessage({ type: "fatal", message: fatalMessage(error) });
    else self.postMessage({ type: "teaching", phase: "end", reason: "error", message: pythonMessage(error) });
  } finally {
    teacher.destroy();
    teaching.teacher = null;
    worker.teaching = false;
  }
}

async function stopTeaching() {
  if (!teaching.teacher) return { stopped: false };
  teaching.stopRequested = true;
  await teaching.finished;
  return { stopped: true };
}

export const TEACH_HANDLERS = {
  "digits-load": loadDigits,
  "digits-add": addDigit,
  "digits-remove": removeDigit,
  "digits-state": state, // what the current network reads them as (after it changed)
  "digits-clear": clearDigits,
  teach,
  "teach-stop": stopTeaching,
};
