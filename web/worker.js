/* ScratchNN's Python, running in a Web Worker so that the page never freezes.
 *
 * A classic worker (importScripts) that loads Pyodide, numpy and the scratchnn package, then
 * answers the page's messages. All the math is Python (scratchnn/page.py and what it calls);
 * this file only moves messages and bytes.
 *
 * Every file it fetches for Python (the package, each network's weights) is checked against the
 * SHA-256 that site.json lists for it before it is used (fetchVerified, which worker-training.js
 * uses for the training data): a corrupted or half-updated site gives an error naming the file,
 * never a silent run of something else. Pyodide's own files are checked when the site is built.
 *
 * Page -> worker:  {type: "model", id, name}
 *                  {type: "predict", id, rgba: Uint8ClampedArray, width, height}
 *                  {type: "predict-input", id, pixels: number[784]}
 * Worker -> page:  {type: "progress", stage, label, fraction}
 *                  {type: "ready", timings, versions, models, limits}   (models and limits: site.json's
 *                      "models" and "weights_limits" {max_bytes, max_hidden})
 *                  {type: "error", stage, message}          (loading failed; the page offers Retry)
 *                  {type: "result", id, ok: true, value} | {type: "result", id, ok: false, error}
 */
"use strict";

// Content-Security-Policy violations in this worker, for the end-to-end tests and the curious (none
// expected: the worker runs under its own response's policy, if the host sends one; see index.html).
const policyViolations = [];
self.addEventListener("securitypolicyviolation", (event) =>
  policyViolations.push(`${event.violatedDirective}: ${event.blockedURI || "(inline)"}`),
);

const SITE = new URL("./", self.location.href).href;
const PYODIDE = new URL("pyodide/", SITE).href;

importScripts(PYODIDE + "pyodide.js");
importScripts(SITE + "worker-training.js"); // training in the page: TRAINING_REQUESTS (its protocol is documented there)

let manifest = null; // site.json: the files of the site, each with its SHA-256
let pyodide = null;
let page = null; // the Python module scratchnn.page
const models = new Map(); // name -> Python Model (a PyProxy)

// A loading stage began: it moves the progress bar from `fraction` towards `until` in about
// `seconds` (how long the stage usually takes), and names what is happening.
function progress(stage, label, fraction, until, seconds) {
  self.postMessage({ type: "progress", stage, label, fraction, until, seconds });
}

// `cache`: how to use the browser's HTTP cache (fetch's RequestInit.cache).
async function fetchOk(url, as, cache = "default") {
  const response = await fetch(url, { cache });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return as === "text" ? response.text() : response.arrayBuffer();
}

// The bytes of the site's file `path` (as site.json names it, e.g. "weights/default.json"), once
// their SHA-256 is `expected`; otherwise an error naming the file and both checksums. A copy from
// the browser's cache that does not match (an older version of the site) is fetched again first.
async function fetchVerified(path, expected) {
  if (!/^[0-9a-f]{64}$/.test(expected)) throw new Error(`site.json gives no SHA-256 for ${path}`);
  let bytes = await fetchOk(SITE + path);
  let actual = await sha256(bytes);
  if (actual !== expected) {
    bytes = await fetchOk(SITE + path, "arrayBuffer", "reload");
    actual = await sha256(bytes);
  }
  if (actual !== expected) {
    throw new Error(
      `${path} does not match site.json (SHA-256 ${actual.slice(0, 12)}… expected ${expected.slice(0, 12)}…); ` +
        "the file may be corrupted or the site half-updated",
    );
  }
  return bytes;
}

async function sha256(bytes) {
  if (!self.crypto?.subtle) {
    // crypto.subtle exists only on https:// or localhost pages; nothing is used unchecked
    throw new Error("this page must be opened over https:// (or from localhost) to check its files");
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
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
    // site.json: always the server's current one (revalidated), so Retry sees an updated site
    const site = await step("site", "Reading the site manifest", [0, 0.03, 0.2], () =>
      fetchOk(SITE + "site.json", "text", "no-cache"),
    );
    manifest = JSON.parse(site);
    pyodide = await step("runtime", "Starting Python (Pyodide, 14 MB)", [0.03, 0.7, 4], () =>
      loadPyodide({ indexURL: PYODIDE, fullStdLib: false }),
    );
    await step("numpy", "Loading NumPy (3 MB)", [0.7, 0.85, 1], async () => {
      const problems = [];
      await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => problems.push(m) });
      if (!pyodide.loadedPackages.numpy) throw new Error(problems.join(" ") || "NumPy did not load");
    });
    await step("package", "Importing NumPy and the scratchnn package", [0.85, 0.95, 0.8], async () => {
      const archive = await fetchVerified(manifest.package.file, manifest.package.sha256);
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
    self.postMessage({ type: "ready", timings, versions, models: manifest.models, limits: manifest.weights_limits });
  } catch (error) {
    self.postMessage({ type: "error", stage, message: String(error && error.message ? error.message : error) });
  }
}

async function model(name) {
  if (!models.has(name)) {
    const entry = manifest.models.find((m) => m.name === name);
    if (!entry) throw new Error(`site.json lists no network named ${name}`);
    const bytes = await fetchVerified(entry.file, entry.sha256);
    models.set(name, page.load_model(name, new TextDecoder().decode(bytes)));
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
