// The one classic script, run before the page's modules. Three jobs.
//
// 1. Python's worker starts here, not once the page's modules have loaded: Pyodide's download and
// start-up (the most of the wait) then overlap theirs. Its first messages are kept until client.js
// takes the worker over (window.earlyWorker: the worker, the messages, a load error).
//
// 2. On a first visit (no service worker serves the page yet) the service worker (sw.js) is
// registered here too, and the worker, named FIRST_VISIT, asks for Pyodide's files only once the
// service worker serves them (boot.js tells it, or it stops waiting: worker.js). They then come
// from the service worker's copies in Cache Storage already on this visit, and Chrome keeps the
// WebAssembly it compiles with the copy it compiled: the next visit, served the same copy, finds
// it compiled (benchmarks/wasm_code_cache.py; docs/web-page.md).
const FIRST_VISIT = "first-visit";
window.earlyWorker = (() => {
  try {
    const container = window.isSecureContext ? navigator.serviceWorker : undefined;
    const first = Boolean(container) && !container.controller;
    const options = first ? { type: "module", name: FIRST_VISIT } : { type: "module" };
    const early = { worker: new Worker("worker.js", options), messages: [], error: null };
    if (first) serveFirstVisit(container, early.worker);
    early.worker.onmessage = (event) => early.messages.push(event.data);
    early.worker.onerror = (event) => {
      event.preventDefault();
      early.error = event.message || "the worker could not start";
    };
    return early;
  } catch {
    return null; // client.js starts one itself, and reports what goes wrong then
  }
})();

/** Register sw.js, and tell `worker` once it serves the page (it took it over: "controllerchange")
 * or could not be registered. offline.js registers it again once the page is ready (the same
 * registration) and has it save the rest of the site. */
function serveFirstVisit(container, worker) {
  const tell = (state) => worker.postMessage({ type: "service-worker", state });
  container.addEventListener("controllerchange", () => tell("serving"), { once: true });
  container.register("sw.js", { scope: "./" }).catch(() => tell("failed"));
}

// 3. If the page's own code cannot load (a
// file missing or refused: offline with no good cached copy, a half-updated host), the status line
// says so instead of staying at "Starting…" for ever. A script that fails to load fires "error" on
// its element (for a module, when any module it imports fails); that event does not bubble, so it
// is caught on its way down (capture).
window.addEventListener(
  "error",
  (event) => {
    const script = event.target;
    if (!(script instanceof HTMLScriptElement)) return; // an error inside running code: not this
    const name = new URL(script.src, location.href).pathname.split("/").pop();
    document.getElementById("status-label").textContent =
      `Could not load the page's code (${name} or a module it imports). Check the connection and reload the page.`;
    document.getElementById("status").dataset.state = "error";
  },
  true,
);
