// The one classic script, run before the page's modules: if the page's own code cannot load (a
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
