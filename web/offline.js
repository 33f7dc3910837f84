// Works offline after the first visit: once the page is ready, have the service worker (sw.js;
// boot.js registered it already on a first visit) keep this version of the site in the browser's
// Cache Storage. Only on a secure context (https:// or localhost), where browsers allow service
// workers; a failure changes nothing on the page but the footer's note, which says only what is
// true.

/** What the page knows about it, for the footer, the tests and scripts/measure_demo.py. */
export const offline = {
  state: "waiting", // waiting | unsupported | registering | saved | failed
  error: null, // why it failed, when it did
};

/** Register sw.js (again: the same registration) and ask it to save every file of the site;
 * resolves (never rejects) once it has, or it failed. */
export async function keepForOffline() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) {
    offline.state = "unsupported";
    return offline;
  }
  offline.state = "registering";
  try {
    await navigator.serviceWorker.register("sw.js", { scope: "./" });
    const registration = await navigator.serviceWorker.ready;
    const answer = await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      registration.active.postMessage({ type: "fill" }, [channel.port2]);
    });
    if (!answer.ok) throw new Error(answer.error); // sw.js could not fetch or cache a file
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
