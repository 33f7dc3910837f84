/* ScratchNN's Python, running in a Web Worker so that the page never freezes.
 *
 * A classic worker (importScripts) that loads Pyodide, numpy and the scratchnn package, then
 * answers the page's messages. All the math is Python (scratchnn/page.py and what it calls);
 * this file only moves messages and bytes.
 *
 * Page -> worker:  {type: "model", id, name}
 *                  {type: "predict", id, rgba: Uint8ClampedArray, width, height}
 *                  {type: "predict-input", id, pixels: number[784]}
 * Worker -> page:  {type: "progress", stage, label, fraction}
 *                  {type: "ready", timings, versions}
 *                  {type: "error", stage, message}          (loading failed; the page offers Retry)
 *                  {type: "result", id, ok: true, value} | {type: "result", id, ok: false, error}
 */
"use strict";

const SITE = new URL("./", self.location.href).href;
const PYODIDE = new URL("pyodide/", SITE).href;

importScripts(PYODIDE + "pyodide.js");
importScripts(SITE + "worker-training.js"); // training in the page: TRAINING_REQUESTS (its protocol is documented there)

let pyodide = null;
let page = null; // the Python module scratchnn.page
const models = new Map(); // name -> Python Model (a PyProxy)

// A loading stage began: it moves the progress bar from `fraction` towards `until` in about
// `seconds` (how long the stage usually takes), and names what is happening.
function progress(stage, label, fraction, until, seconds) {
  self.postMessage({ type: "progress", stage, label, fraction, until, seconds });
}

async function fetchOk(url, as) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return as === "text" ? response.text() : response.arrayBuffer();
}

function toPlain(proxy) {
  const value = proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  proxy.destroy();
  return value;
}

async function boot() {
  const timings = {};
  let stage = "runtime";
  const step = async (name, label, [fraction, until, seconds], work) => {
    stage = name;
    progress(name, label, fraction, until, seconds);
    const started = performance.now();
    const value = await work();
    timings[name] = Math.round(performance.now() - started);
    return value;
  };
  try {
    const site = await step("site", "Reading the site manifest", [0, 0.03, 0.2], () =>
      fetchOk(SITE + "site.json", "text"),
    );
    const manifest = JSON.parse(site);
    pyodide = await step("runtime", "Starting Python (Pyodide, 14 MB)", [0.03, 0.7, 4], () =>
      loadPyodide({ indexURL: PYODIDE, fullStdLib: false }),
    );
    await step("numpy", "Loading NumPy (3 MB)", [0.7, 0.85, 1], async () => {
      const problems = [];
      await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => problems.push(m) });
      if (!pyodide.loadedPackages.numpy) throw new Error(problems.join(" ") || "NumPy did not load");
    });
    await step("package", "Importing NumPy and the scratchnn package", [0.85, 0.95, 0.8], async () => {
      const archive = await fetchOk(SITE + manifest.package.file);
      pyodide.unpackArchive(archive, "zip", { extractDir: "/home/pyodide/scratchnn-site" });
      pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/scratchnn-site')");
      page = pyodide.pyimport("scratchnn.page");
    });
    const versions = toPlain(
      pyodide.runPython(
        "import sys, numpy, scratchnn; {'python': sys.version.split()[0], 'numpy': numpy.__version__, " +
          "'scratchnn': scratchnn.__version__}",
      ),
    );
    versions.pyodide = pyodide.version;
    self.postMessage({ type: "ready", timings, versions, models: manifest.models });
  } catch (error) {
    self.postMessage({ type: "error", stage, message: String(error && error.message ? error.message : error) });
  }
}

async function model(name) {
  if (!models.has(name)) {
    const text = await fetchOk(SITE + `weights/${encodeURIComponent(name)}.json`, "text");
    models.set(name, page.load_model(name, text));
  }
  const description = toPlain(page.describe(models.get(name)));
  return description;
}

// Call a Python function with one JavaScript value converted (a typed array becomes a memoryview,
// an array a list), and hand back its result as plain JavaScript.
function callPython(fn, data, ...rest) {
  const argument = pyodide.toPy(data);
  try {
    return toPlain(fn(models.get(current), argument, ...rest));
  } finally {
    if (argument && typeof argument.destroy === "function") argument.destroy();
  }
}

function predict({ rgba, width, height }) {
  const started = performance.now();
  const value = callPython(page.predict_drawing, rgba, height, width);
  value.worker_ms = performance.now() - started;
  return value;
}

function predictInput({ pixels }) {
  return callPython(page.predict_input, pixels);
}

let current = null;
const ready = boot();

self.onmessage = async (event) => {
  const message = event.data;
  await ready;
  try {
    let value;
    if (message.type === "model") {
      value = await model(message.name);
      current = message.name;
    } else if (message.type === "predict") {
      value = predict(message);
    } else if (message.type === "predict-input") {
      value = predictInput(message);
    } else if (Object.hasOwn(TRAINING_REQUESTS, message.type)) {
      value = await TRAINING_REQUESTS[message.type](message); // worker-training.js
    } else {
      throw new Error(`unknown request ${message.type}`);
    }
    self.postMessage({ type: "result", id: message.id, ok: true, value });
  } catch (error) {
    self.postMessage({ type: "result", id: message.id, ok: false, error: String(error.message || error) });
  }
};
