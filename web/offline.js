// Works offline after the first visit: once the page is ready, register the service worker
// (sw.js), which keeps this version of the site in the browser's Cache Storage. Only on a secure
// context (https:// or localhost), where browsers allow service workers; a failure to register
// changes nothing on the page but the footer's note, which says only what is true.

/** What the page knows about it, for the footer, the tests and scripts/measure_demo.py. */
export const offline = {
  state: "waiting", // waiting | unsupported | registering | saved | failed
  error: null, // why it failed, when it did
};

/** Register sw.js; resolves (never rejects) once the site is saved in the browser, or it failed. */
export async function keepForOffline() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) {
    offline.state = "unsupported";
    return offline;
  }
  offline.state = "registering";
  try {
    await navigator.serviceWorker.register("sw.js", { scope: "./" });
    await navigator.serviceWorker.ready; // active: its install saved every file site.json lists
    offline.state = "saved";
    note("Saved in this browser: from now on the page works offline, and is downloaded again only when it changes.");
  } catch (error) {
    offline.state = "failed";
    offline.error = String(error?.message ?? error);
  }
  return offline;
}

function note(text) {
  const footer = document.querySelector("footer.foot");
  if (!footer) return;
  const line = document.getElementById("offline-note") ?? footer.appendChild(document.createElement("p"));
  line.id = "offline-note";
  line.textContent = text;
}
