/* What the worker's modules share: the running Python, the site's manifest, the loaded networks,
 * and the few helpers that move bytes and errors between JavaScript and Python.
 *
 * `worker` is the one piece of state (worker.js fills it while loading, the handlers read it). It
 * is also `self.scratchnn` inside the worker, for the end-to-end tests and the curious, as
 * `window.scratchnn` is in the page.
 */

/** @typedef {import("./messages.js").ModelDescription} ModelDescription */

export const worker = {
  pyodide: null, // the Pyodide runtime
  browser: null, // the Python package scratchnn.browser: everything the worker calls
  manifest: null, // site.json: the files of the site, each with its SHA-256
  models: new Map(), // name -> a Python Model (a PyProxy)
  current: null, // the name of the network the page reads drawings with
  explorer: null, // the explorer's Python Explorer (worker-explorer.js), made on first use
  dataset: null, // the training data file as a Python Dataset (trainingData), fetched once
  policyViolations: [], // Content-Security-Policy violations in this worker (none expected)
  pythonStart: null, // "snapshot": Python started from this browser's snapshot; "fresh": it did not
  snapshotRefused: null, // why Pyodide refused a saved snapshot, if it did (it was then deleted)
  snapshotSaved: null, // the promise that this visit's snapshot is saved (true) or could not be (false)
};
self.scratchnn = worker;

// Recorded from the worker's first module on: the worker runs under its own response's policy,
// if the host sends one (see index.html).
self.addEventListener("securitypolicyviolation", (event) =>
  worker.policyViolations.push(`${event.violatedDirective}: ${event.blockedURI || "(inline)"}`),
);

export const SITE = new URL("./", self.location.href).href;

/** The response body of `url` (text or an ArrayBuffer); `cache` is fetch's RequestInit.cache. */
export async function fetchOk(url, as, cache = "default") {
  const response = await fetch(url, { cache });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return as === "text" ? response.text() : response.arrayBuffer();
}

/**
 * The bytes of the site's file `path` (as site.json names it, e.g. "weights/default.json"), once
 * their SHA-256 is `expected`; otherwise an error naming the file and both checksums. A copy from
 * the browser's cache that does not match (an older version of the site) is fetched again first.
 */
export async function fetchVerified(path, expected) {
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

/** The SHA-256 of `bytes`, in hex (crypto.subtle: https:// or localhost pages only). */
export async function sha256(bytes) {
  if (!self.crypto?.subtle) {
    // crypto.subtle exists only on https:// or localhost pages; nothing is used unchecked
    throw new Error("this page must be opened over https:// (or from localhost) to check its files");
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A Python value as plain JavaScript (dicts become objects, bytes a Uint8Array); frees the proxy. */
export function toPlain(proxy) {
  const value = proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  proxy.destroy();
  return value;
}

/** @returns {ModelDescription} what the page shows about a network (scratchnn.browser.describe). */
export const describe = (model) => toPlain(worker.browser.describe(model));

// Pyodide's fatal error (the original JavaScript error, marked), or any call after it: Python
// can no longer run; the page restarts the worker.
export const isFatal = (error) =>
  Boolean(error && (error.pyodide_fatal_error || /fatally failed/.test(String(error.message || error))));

export const fatalMessage = (error) => {
  const text = String((error && error.message) || error);
  return /fatal/.test(text) ? text : `Pyodide has suffered a fatal error: ${text}`;
};

/**
 * A Python exception's own message ("Learning rate must be ..."), without the traceback. The
 * traceback ends with "Type: message", or "module.Type: message" for an exception defined in a
 * module (scratchnn.weights.WeightsError); the message may run over several lines.
 */
export function pythonMessage(error) {
  const text = String((error && error.message) || error).trim();
  if (!error || !error.type) return text;
  const heading = new RegExp(`^(?:[\\w.]+\\.)?${error.type}: `, "gm");
  let start = -1;
  for (const match of text.matchAll(heading)) start = match.index + match[0].length;
  return start >= 0 ? text.slice(start) : text.split("\n").at(-1);
}

/**
 * The site's training data file (site.json's training_data: 10,000 training and 1,000 held-out
 * MNIST digits, checked against its SHA-256) as a Python Dataset, fetched and read once per worker
 * and shared by training, teaching and "Where it fails". `onFetch(label)` is told when it is fetched.
 */
export async function trainingData(onFetch = () => {}) {
  if (worker.dataset) return worker.dataset;
  const entry = worker.manifest.training_data;
  if (!entry) throw new Error("this site has no training data (site.json lists no training_data)");
  onFetch(`Fetching ${entry.n_train} MNIST images (${(entry.bytes / 1e6).toFixed(1)} MB)`);
  const bytes = new Uint8Array(await fetchVerified(entry.file, entry.sha256));
  if (worker.dataset) return worker.dataset; // another caller read it meanwhile
  const buffer = worker.pyodide.toPy(bytes);
  try {
    worker.dataset = worker.browser.load_data(buffer, entry.sha256);
  } finally {
    buffer.destroy();
  }
  return worker.dataset;
}
