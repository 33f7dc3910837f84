// ScratchNN's page: wires the drawing pad, the Python worker and the view together.
// The network and the preprocessing run in Python (worker.js -> scratchnn.page); no math here.

import { PythonWorker } from "./client.js";
import { DrawingPad } from "./pad.js";
import { GridKeys } from "./grid.js"; // drawing without a mouse: the 28x28 input with the arrow keys
import { buildBars, showModel, showPrediction, showStatus, showTiming, toggleAllUnits } from "./view.js";
import { initTraining } from "./train.js"; // training in the page
import { Explorer } from "./explore.js"; // the forward pass and backpropagation, step by step
import { FailuresPanel } from "./failures.js"; // where it fails: the 1,000 held-out digits
import { TeachPanel } from "./teach.js"; // teach it your handwriting
import { keepForOffline, offline } from "./offline.js"; // works offline after the first visit (sw.js)

const $ = (id) => document.getElementById(id);
const STAGES = { site: "the site", runtime: "Python (Pyodide)", numpy: "NumPy", package: "the scratchnn package" };

const state = {
  ready: false,
  model: null, // the model's description from Python (name, hidden, filters, accuracy)
  result: null, // the last prediction shown
  inFlight: false, // a prediction request is on its way
  dirty: false, // the drawing changed since the last request
  loadStarted: performance.now(),
  readyMs: null,
  pythonStart: null, // "snapshot" when Python started from this browser's saved snapshot, else "fresh"
  limits: null, // the largest weights upload the site accepts: {max_bytes, max_hidden}, from the worker
  readyText: "", // the status line when everything is loaded
  retry: null, // what the Retry button does: start Python again, or retry switching networks
  wanted: null, // the network on show when Python was restarted: loaded first again
  restartNote: "", // why Python was last restarted, when it was not the visitor's choice
  roundTrips: [], // the last 1,000 predictions' round trips (ms), for scripts/measure_demo.py
  renderMs: [], // the main-thread time (ms) showing each of those answers, for benchmarks/live_answer.py
};

let announceReady;
const ready = new Promise((resolve) => (announceReady = resolve));

const python = new PythonWorker({
  onProgress: ({ label, fraction, until, seconds }) => showStatus(label + "…", fraction, "loading", until, seconds),
  onReady: (message) => start(message),
  onError: ({ stage, message }) => {
    showStatus(`Could not load ${STAGES[stage] || stage}. ${message} — check the connection and retry.`, 1, "error");
    $("confidence").textContent = "Python did not load";
    state.ready = false;
    state.retry = restartPython;
    training.pythonLost();
    failures.pythonLost();
    teach.pythonLost();
  },
  // Python in the worker died (Pyodide's fatal error): start it again at once, saying so.
  onFatal: (message) => {
    state.restartNote = "Python stopped working and was restarted";
    restartPython(`Python stopped working (${message}). Starting it again…`);
  },
});

/** The worker is ready: load the first network (the one on show before a restart, if it is one
 * of the site's), then give the training panel its turn (it re-loads the visitor's network). */
async function start({ versions, models, timings, limits, python_start: pythonStart }) {
  buildModelPicker(models);
  state.limits = limits ?? null;
  const first = models.find((model) => model.name === state.wanted) ?? models[0];
  showStatus("Loading the network's weights…", 0.95, "loading", 1, 0.5);
  try {
    await useModel(first.name);
  } catch (error) {
    if (error.lost) return; // the worker was replaced meanwhile: the new one reports
    showStatus(`Could not load the ${first.name} network: ${error.message}. Retry starts Python again.`, 1, "error");
    $("confidence").textContent = "no network loaded";
    state.retry = restartPython;
    return;
  }
  state.ready = true;
  state.readyMs = performance.now() - state.loadStarted;
  state.timings = timings;
  state.pythonStart = pythonStart; // worker-snapshot.js
  state.retry = restartPython;
  const seconds = (state.readyMs / 1000).toFixed(1);
  const note = state.restartNote ? `${state.restartNote} · ` : "";
  const versionsText = `Python ${versions.python} + NumPy ${versions.numpy}`;
  state.readyText = `${note}Ready · ${versionsText} in your browser · ${seconds} s`;
  showStatus(state.readyText, 1, "ready");
  $("versions").textContent =
    `scratchnn ${versions.scratchnn} on Python ${versions.python}, NumPy ${versions.numpy}, Pyodide ${versions.pyodide}` +
    (pythonStart === "snapshot" ? ", started from the snapshot of Python saved in this browser." : ".");
  document.body.classList.add("ready");
  announceReady();
  predictSoon();
  explorer.pythonReady();
  failures.pythonReady();
  teach.pythonReady();
  await training.pythonReady();
}

/** Stop the worker and start a new one (Retry, or after Python died); `label`: the status meanwhile. */
function restartPython(label = "Retrying…") {
  state.ready = false;
  state.loadStarted = performance.now();
  if (state.model) state.wanted = state.model.name;
  training.pythonLost();
  failures.pythonLost();
  teach.pythonLost();
  showStatus(label, 0, "loading");
  python.restart();
}

const pad = new DrawingPad($("pad"), (reason) => {
  updateTools();
  failures.padChanged();
  if (reason === "clear") state.result = null;
  if (reason === "clear" || reason === "image") explorer.newDrawing();
  predictSoon();
});

new GridKeys(pad, { cursor: $("pad-cursor"), frame: $("pad").parentElement, text: $("pad-cursor-text") });

function updateTools() {
  $("undo").disabled = !pad.canUndo;
  $("clear").disabled = pad.isEmpty;
  $("pad-hint").hidden = !pad.isEmpty;
}

// Live prediction without lag: at most one request in flight; changes made meanwhile are
// sent as one request when the answer arrives (so a slow answer never queues up stale work).
function predictSoon() {
  state.dirty = true;
  if (state.ready && !state.inFlight) requestAnimationFrame(predictNow);
}

async function predictNow() {
  if (!state.ready || state.inFlight || !state.dirty) return;
  state.dirty = false;
  state.inFlight = true;
  try {
    await predictCanvas();
  } catch (error) {
    if (!error.lost) showStatus(`Prediction failed: ${error.message}`, 1, "error"); // lost: a restart says so
  } finally {
    state.inFlight = false;
  }
  if (state.dirty) requestAnimationFrame(predictNow);
}

/** Send the canvas through preprocess -> forward in Python and show the answer (a ready 28x28
 * input on the pad, with no strokes over it, goes straight to forward). */
async function predictCanvas() {
  const sent = performance.now();
  const asIs = pad.image && pad.strokes.length === 0;
  const result = await (asIs ? python.predictInput(pad.image) : python.predict(pad.pixels()));
  result.round_trip_ms = performance.now() - sent;
  if (!result.empty) state.roundTrips = [...state.roundTrips.slice(-999), result.round_trip_ms];
  state.result = result;
  const rendering = performance.now();
  showPrediction(result, !pad.active && !state.dirty); // announced once per finished stroke, not while the pen moves
  showTiming(result.empty ? null : result.round_trip_ms, result.python_ms);
  if (!result.empty) state.renderMs = [...state.renderMs.slice(-999), performance.now() - rendering];
  explorer.follow(result);
  teach.predicted();
  return result;
}

function buildModelPicker(models) {
  const fieldset = $("models");
  fieldset.querySelectorAll("label").forEach((label) => label.remove());
  for (const [i, model] of models.entries()) {
    const label = document.createElement("label");
    label.className = "model";
    const accuracy = model.test_accuracy ? ` · ${(model.test_accuracy * 100).toFixed(1)}%` : "";
    label.innerHTML =
      `<input type="radio" name="model" value="${model.name}" ${i === 0 ? "checked" : ""}>` +
      `<span><strong>${model.name}</strong><small>${model.hidden} hidden${accuracy}</small></span>`;
    label.title = model.label;
    label.querySelector("input").addEventListener("change", (event) => switchModel(event.target.value));
    fieldset.append(label);
  }
}

async function useModel(name) {
  state.model = await python.useModel(name);
  failures.networkChanged();
  teach.networkChanged();
  showModel(state.model);
  document.body.dataset.model = name;
  checkChoice(name);
}

/** The network picker shows `name` as chosen. */
function checkChoice(name) {
  const radio = document.querySelector(`#models input[value="${name}"]`);
  if (radio) radio.checked = true;
}

/** Show another network. If it cannot be loaded, say why, offer Retry, and go on reading the
 * drawing with the network that was on show (the picker shows it again). */
async function switchModel(name) {
  if (!state.ready) return;
  state.ready = false;
  const previous = state.model?.name;
  try {
    await useModel(name);
  } catch (error) {
    if (error.lost) return; // Python is being restarted: the restart says so
    if (previous) checkChoice(previous);
    state.ready = true;
    const still = previous ? ` The page still reads your drawing with the ${previous} network.` : "";
    showStatus(`Could not load the ${name} network: ${error.message}.${still}`, 1, "error");
    state.retry = () => switchModel(name);
    predictSoon();
    return;
  }
  state.ready = true;
  state.retry = restartPython;
  if ($("status").dataset.state === "error") showStatus(state.readyText, 1, "ready");
  predictSoon();
}

$("undo").addEventListener("click", () => pad.undo());
$("units-toggle").addEventListener("click", toggleAllUnits);
$("clear").addEventListener("click", () => pad.clear());
$("retry").addEventListener("click", () => {
  state.restartNote = "";
  (state.retry ?? restartPython)();
});
document.addEventListener("keydown", (event) => {
  const typing = event.target instanceof HTMLInputElement && event.target.type === "text";
  if (typing) return;
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    pad.undo();
  } else if (event.key === "Escape") {
    pad.clear();
  }
});

buildBars();
updateTools();
showStatus("Starting Python…", 0.01, "loading");

// For the end-to-end tests and the curious: the page's state and its two ways into Python.
window.scratchnn = {
  ready,
  state,
  pad,
  predictCanvas,
  predictInput: (pixels) => python.predictInput(pixels),
  showInput: (pixels) => pad.setImage(pixels), // a ready 28x28 input on the pad, read as it is
  useModel: switchModel,
  python,
};

// Training in the page (train.js): the panel gets the worker, the state and the way to switch networks.
const training = initTraining({
  python,
  state,
  switchModel,
  predictSoon,
  networkChanged: () => {
    failures.networkChanged();
    teach.networkChanged();
  },
});
// The explorer (explore.js) follows the input of each finished drawing.
const explorer = new Explorer({ python, state, pad, training });
window.scratchnn.explorer = explorer;
// Where it fails (failures.js): the current network on the held-out digits, and a test digit on the pad.
const failures = new FailuresPanel({ python, state, pad, explorer });
window.scratchnn.failures = failures;
// Teach it your handwriting (teach.js): your corrected digits, and the network fine-tuned on them.
const teach = new TeachPanel({ python, state, pad, explorer, training });
window.scratchnn.teach = teach;
// Once ready, keep the site in the browser for offline use and faster repeat visits (offline.js, sw.js).
window.scratchnn.offline = offline;
ready.then(keepForOffline);
