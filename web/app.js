// ScratchNN's page: wires the drawing pad, the Python worker and the view together.
// The network and the preprocessing run in Python (worker.js -> scratchnn.page); no math here.

import { PythonWorker } from "./client.js";
import { DrawingPad } from "./pad.js";
import { buildBars, showModel, showPrediction, showStatus, showTiming, toggleAllUnits } from "./view.js";
import { initTraining } from "./train.js"; // training in the page

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
};

let announceReady;
const ready = new Promise((resolve) => (announceReady = resolve));

const python = new PythonWorker({
  onProgress: ({ label, fraction, until, seconds }) => showStatus(label + "…", fraction, "loading", until, seconds),
  onReady: async ({ versions, models, timings }) => {
    buildModelPicker(models);
    showStatus("Loading the network's weights…", 0.95, "loading", 1, 0.5);
    await useModel(models[0].name);
    state.ready = true;
    state.readyMs = performance.now() - state.loadStarted;
    state.timings = timings;
    const seconds = (state.readyMs / 1000).toFixed(1);
    showStatus(`Ready · Python ${versions.python} + NumPy ${versions.numpy} in your browser · ${seconds} s`, 1, "ready");
    $("versions").textContent =
      `scratchnn ${versions.scratchnn} on Python ${versions.python}, NumPy ${versions.numpy}, Pyodide ${versions.pyodide}.`;
    document.body.classList.add("ready");
    announceReady();
    predictSoon();
  },
  onError: ({ stage, message }) => {
    showStatus(`Could not load ${STAGES[stage] || stage}. ${message} — check the connection and retry.`, 1, "error");
    $("confidence").textContent = "Python did not load";
    state.ready = false;
  },
});

const pad = new DrawingPad($("pad"), (reason) => {
  updateTools();
  if (reason === "clear") state.result = null;
  predictSoon();
});

function updateTools() {
  $("undo").disabled = pad.isEmpty;
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
    showStatus(`Prediction failed: ${error.message}`, 1, "error");
  } finally {
    state.inFlight = false;
  }
  if (state.dirty) requestAnimationFrame(predictNow);
}

/** Send the canvas through preprocess -> forward in Python and show the answer. */
async function predictCanvas() {
  const sent = performance.now();
  const result = await python.predict(pad.pixels());
  result.round_trip_ms = performance.now() - sent;
  state.result = result;
  showPrediction(result);
  showTiming(result.empty ? null : result.round_trip_ms, result.python_ms);
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
  showModel(state.model);
  document.body.dataset.model = name;
}

async function switchModel(name) {
  if (!state.ready) return;
  state.ready = false;
  try {
    await useModel(name);
  } catch (error) {
    showStatus(`Could not load the ${name} network: ${error.message}`, 1, "error");
    return;
  }
  state.ready = true;
  predictSoon();
}

$("undo").addEventListener("click", () => pad.undo());
$("units-toggle").addEventListener("click", toggleAllUnits);
$("clear").addEventListener("click", () => pad.clear());
$("retry").addEventListener("click", () => {
  state.loadStarted = performance.now();
  showStatus("Retrying…", 0, "loading");
  python.restart();
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
  useModel: switchModel,
};

// Training in the page (train.js): the panel gets the worker, the state and the way to switch networks.
initTraining({ python, ready, state, switchModel, predictSoon });
