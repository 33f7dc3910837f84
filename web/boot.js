// The one classic script, run before the page's modules. Two jobs.
//
// 1. Python's worker starts here, not once the page's modules have loaded: Pyodide's download and
// start-up (the most of the wait) then overlap theirs. Its first messages are kept until client.js
// takes the worker over (window.earlyWorker: the worker, the messages, a load error).
window.earlyWorker = (() => {
  try {
    const early = { worker: new Worker("worker.js", { type: "module" }), messages: [], error: null };
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

// 2. If the page's own code cannot load (a
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
