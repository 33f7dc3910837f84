/* ScratchNN's Python, running in a Web Worker so that the page never freezes.
 *
 * A module worker (client.js starts it with {type: "module"}): it loads Pyodide, NumPy and the
 * scratchnn package, then answers the page's messages through one table of handlers. All the
 * math is Python (scratchnn.browser and what it calls); this file only moves messages and bytes.
 *
 * Every file it fetches for Python (the package, each network's weights, the training data) is
 * checked against the SHA-256 that site.json lists for it before it is used (fetchVerified): a
 * corrupted or half-updated site gives an error naming the file, never a silent run of something
 * else. Pyodide's own files are checked when the site is built (their SHA-256s are pinned).
 *
 * What the page imports only after it is ready comes later (site.json's after_ready, 0.8 MB
 * gzip: numpy.random, numpy.testing and the standard library's modules the tests use): the first
 * answers never import it, so the page is ready sooner. Right after posting "ready" the worker
 * fetches it in the background and unpacks it into site-packages; every request but "model",
 * "predict" and "predict-input" waits for it (see FIRST_ANSWERS).
 *
 * The messages are defined in python/scratchnn/browser/messages.py (mirrored in messages.js):
 * Page -> worker:  ModelRequest {type: "model", id, name}
 *                  PredictRequest {type: "predict", id, rgba: Uint8ClampedArray, width, height}
 *                  PredictInputRequest {type: "predict-input", id, pixels: number[784]}
 *                  and the requests of worker-training.js, worker-explorer.js, worker-failures.js
 *                  and worker-teach.js
 * Worker -> page:  Progress {type: "progress", stage, label, fraction, until, seconds}
 *                  Ready {type: "ready", timings, versions, models, limits, python_start}   (models
 *                      and limits: site.json's "models" and "weights_limits" {max_bytes, max_hidden};
 *                      python_start: "snapshot" or "fresh", see worker-snapshot.js)
 *                  LoadError {type: "error", stage, message}   (loading failed; the page offers Retry)
 *                  Result {type: "result", id, ok: true, value} | {type: "result", id, ok: false, error}
 *                  Fatal {type: "fatal", message}   (Pyodide died: the page restarts the worker)
 */
import {
  SITE,
  describe,
  fatalMessage,
  fetchOk,
  fetchVerified,
  isFatal,
  pythonMessage,
  toPlain,
  worker,
} from "./worker-python.js";
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { forgetSnapshot, saveSnapshot, savedSnapshot } from "./worker-snapshot.js";
import { EXPLORER_HANDLERS } from "./worker-explorer.js";
import { FAILURES_HANDLERS } from "./worker-failures.js";
import { TEACH_HANDLERS } from "./worker-teach.js";
import { TRAINING_HANDLERS } from "./worker-training.js";

const PYODIDE = new URL("pyodide/", SITE).href;
const prefetched = new Map(); // a site file -> the promise of its verified bytes, fetched while Pyodide starts

// A loading stage began: it moves the progress bar from `fraction` towards `until` in about
// `seconds` (how long the stage usually takes), and names what is happening.
function progress(stage, label, fraction, until, seconds) {
  self.postMessage({ type: "progress", stage, label, fraction, until, seconds });
}

/** Start fetching the package and the first network's weights (verified as ever; the page's first
 * ModelRequest takes the weights from `prefetched`), and with `wheels` NumPy's wheel, whose bytes
 * loadPackage's own request then finds in the browser's cache. Returns the package's promise. */
function fetchEarly(wheels) {
  const { package: pkg, models: listed } = worker.manifest;
  const packageBytes = fetchVerified(pkg.file, pkg.sha256);
  packageBytes.catch(() => {}); // awaited in the package stage, where its error is reported
  if (listed.length) {
    const weights = fetchVerified(listed[0].file, listed[0].sha256);
    weights.catch(() => {}); // awaited by useModel, where its error is reported
    prefetched.set(listed[0].file, weights);
  }
  const wheelNames = Object.keys(worker.manifest.pyodide_slim ?? {}).filter((name) => name.endsWith(".whl"));
  for (const name of wheels ? wheelNames : []) {
    fetch(PYODIDE + name)
      .then((response) => response.arrayBuffer())
      .catch(() => {}); // only a head start: loadPackage fetches and checks it anyway
  }
  return packageBytes;
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
    // site.json: always the server's current one (revalidated), so Retry sees an updated site
    const site = await step("site", "Reading the site manifest", [0, 0.03, 0.2], () =>
      fetchOk(SITE + "site.json", "text", "no-cache"),
    );
    worker.manifest = JSON.parse(site);
    // Python itself: from this browser's snapshot of it when there is one (worker-snapshot.js),
    // else started afresh, and a snapshot made at once, to be saved once the page is ready.
    const version = worker.manifest.version;
    const saved = await savedSnapshot(version);
    // The package and the first network's weights (and NumPy's wheel, as a head start), fetched
    // while Pyodide starts on a first visit. On a repeat visit (a saved snapshot: the site is in
    // this browser's caches) only once Python has started: then they only compete with its start
    // (benchmarks/site_ab.py: repeat visits 0.97x with them deferred).
    let packageBytes = saved ? null : fetchEarly(true);
    let snapshot = null;
    const pyodide = await step("runtime", "Starting Python (Pyodide, 13 MB)", [0.03, 0.7, saved ? 1 : 4], async () => {
      if (saved) {
        try {
          const restored = await loadPyodide({ indexURL: PYODIDE, fullStdLib: false, _loadSnapshot: saved.bytes });
          // The snapshot holds the random module's generator as it was seeded on the first visit
          // (Pyodide's start imports it): seeded afresh, each visit draws its own numbers.
          restored.runPython("import sys\nif 'random' in sys.modules: sys.modules['random'].seed()");
          worker.pythonStart = "snapshot";
          return restored;
        } catch (error) {
          worker.snapshotRefused = String(error?.message ?? error);
          await forgetSnapshot(version); // refused by Pyodide: start afresh, and save a new one
        }
      }
      const fresh = await loadPyodide({ indexURL: PYODIDE, fullStdLib: false, _makeSnapshot: true });
      snapshot = fresh.makeMemorySnapshot();
      worker.pythonStart = "fresh";
      return fresh;
    });
    worker.pyodide = pyodide;
    packageBytes ??= fetchEarly(false);
    await step("numpy", "Loading NumPy (2 MB)", [0.7, 0.85, 1], async () => {
      const problems = [];
      await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => problems.push(m) });
      if (!pyodide.loadedPackages.numpy) throw new Error(problems.join(" ") || "NumPy did not load");
    });
    await step("package", "Importing NumPy and the scratchnn package", [0.85, 0.95, 0.8], async () => {
      const archive = await packageBytes;
      pyodide.unpackArchive(archive, "zip", { extractDir: "/home/pyodide/scratchnn-site" });
      pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/scratchnn-site')");
      worker.browser = pyodide.pyimport("scratchnn.browser");
      // What the first answers call; the rest of scratchnn.browser loads when a request first needs it.
      pyodide.runPython("import scratchnn.browser.page");
    });
    const versions = toPlain(
      pyodide.runPython(
        "import sys, numpy, scratchnn; {'python': sys.version.split()[0], 'numpy': numpy.__version__, " +
          "'scratchnn': scratchnn.__version__}",
      ),
    );
    versions.pyodide = pyodide.version;
    const { models, weights_limits: limits } = worker.manifest;
    self.postMessage({ type: "ready", timings, versions, models, limits, python_start: worker.pythonStart });
    afterReady(); // in the background; a request that needs it waits for it (onmessage)
    if (snapshot) worker.snapshotSaved = saveSnapshot(version, snapshot); // in the background too
  } catch (error) {
    self.postMessage({ type: "error", stage, message: String(error && error.message ? error.message : error) });
  }
}

let unpacked = null; // the promise that after_ready is in site-packages (null: not started, or failed)
let unpackError = null; // why the last try failed: the error of a request that needed it

/** The modules the page imports only after it is ready (site.json's after_ready: an archive of
 * numpy/random/..., unittest/..., verified), unpacked into site-packages once; after a failure the
 * next request that waits for them tries again. The promise never rejects: a request that needed
 * them fails on its import (missingModules). */
function afterReady() {
  const entry = worker.manifest?.after_ready;
  if (!entry) return Promise.resolve(); // a site with Pyodide's stock files: everything is there
  unpacked ??= unpackAfterReady(entry).then(
    () => (unpackError = null),
    (error) => {
      unpacked = null;
      unpackError = `Could not load the rest of Python (${entry.file}, with NumPy's random numbers): ${error.message}. Check the connection and try again.`;
    },
  );
  return unpacked;
}

async function unpackAfterReady(entry) {
  const archive = await fetchVerified(entry.file, entry.sha256);
  const sitePackages = worker.pyodide.runPython("import site; site.getsitepackages()[0]");
  worker.pyodide.unpackArchive(archive, "zip", { extractDir: sitePackages });
  worker.pyodide.runPython("import importlib; importlib.invalidate_caches()"); // new folders, new files
}

/** The load error, for a request that failed because a module is not there (yet); else null. */
const missingModules = (error) => (unpackError && /No module named /.test(String(error?.message)) ? unpackError : null);

/** ModelRequest: load the network `name` (once, verified) and make it the current one. */
async function useModel({ name }) {
  if (!worker.models.has(name)) {
    const entry = worker.manifest.models.find((m) => m.name === name);
    if (!entry) throw new Error(`site.json lists no network named ${name}`);
    const early = prefetched.get(entry.file);
    prefetched.delete(entry.file); // once: a failed early fetch is tried again on Retry
    const bytes = await (early ?? fetchVerified(entry.file, entry.sha256));
    worker.models.set(name, worker.browser.load_model(name, new TextDecoder().decode(bytes)));
  }
  const description = describe(worker.models.get(name));
  worker.current = name;
  return description;
}

// Call a Python function on the current network with one JavaScript value converted (a typed
// array becomes a memoryview, an array a list), and hand back its result as plain JavaScript.
function callPython(fn, data, ...rest) {
  const argument = worker.pyodide.toPy(data);
  try {
    return toPlain(fn(worker.models.get(worker.current), argument, ...rest));
  } finally {
    if (argument && typeof argument.destroy === "function") argument.destroy();
  }
}

/** PredictRequest: canvas pixels -> preprocess -> forward (a Prediction). */
function predict({ rgba, width, height }) {
  const started = performance.now();
  const value = callPython(worker.browser.predict_drawing, rgba, height, width);
  value.worker_ms = performance.now() - started;
  return value;
}

/** PredictInputRequest: a ready 28x28 input -> forward (a Prediction). */
const predictInput = ({ pixels }) => callPython(worker.browser.predict_input, pixels);

// The one table: request type -> handler. Each handler gets the message and returns the value of
// its Result (or throws: the Result then carries the Python exception's own message).
const HANDLERS = {
  model: useModel,
  predict,
  "predict-input": predictInput,
  ...TRAINING_HANDLERS,
  ...EXPLORER_HANDLERS,
  ...FAILURES_HANDLERS,
  ...TEACH_HANDLERS,
};

// The requests that need nothing of after_ready (a network loaded, a drawing or an input read:
// no random numbers; tests/pyodide/first_answers.py checks it): the page's first answers, which
// do not wait for it. Every other request, a new one too, waits until it is unpacked or its fetch
// failed: training, a new network, teaching, a test digit and the rest may draw random numbers,
// and a list of those would be one more thing to keep up to date.
const FIRST_ANSWERS = new Set(["model", "predict", "predict-input"]);
const READS = new Set(["predict", "predict-input"]); // they only read the current network

// Requests start in the order they came, but for READS, which start at once (a drawing is read
// while the rest is on its way): "model" keeps its place, since it changes what the others read.
const booted = boot();
let inOrder = booted;

self.onmessage = async (event) => {
  const message = event.data;
  let start = booted;
  if (!READS.has(message.type)) {
    start = inOrder = inOrder.then(() => (FIRST_ANSWERS.has(message.type) ? undefined : afterReady()));
  }
  try {
    await start;
    if (!Object.hasOwn(HANDLERS, message.type)) throw new Error(`unknown request ${message.type}`);
    const value = await HANDLERS[message.type](message);
    self.postMessage({ type: "result", id: message.id, ok: true, value });
  } catch (error) {
    if (isFatal(error)) self.postMessage({ type: "fatal", message: fatalMessage(error) });
    const text = isFatal(error) ? fatalMessage(error) : (missingModules(error) ?? pythonMessage(error));
    self.postMessage({ type: "result", id: message.id, ok: false, error: text });
  }
};
