/* A memory snapshot of Python just started: the first visit saves one in this browser, and the
 * visits after it start Python from it instead of running CPython's start-up again.
 *
 * Pyodide 0.27's snapshots: loadPyodide({_makeSnapshot: true}), then pyodide.makeMemorySnapshot()
 * at once, copies the WebAssembly memory (about 20 MB) of a Python that has imported nothing but
 * Pyodide's own modules; loadPyodide({_loadSnapshot: bytes}) starts from those bytes. Pyodide
 * refuses a snapshot made by another build of itself.
 *
 * Kept in Cache Storage, in the cache CACHE (not a "scratchnn-" one: those are the service
 * worker's), under a URL named by the site's version: any change to the site (Pyodide's files
 * included) makes a new snapshot, and saving it deletes the others. Its SHA-256 is saved beside it
 * and checked before it is used, and so is its layout; one that does not match, or that Pyodide
 * refuses (made by another build of it), is deleted, and Python starts as on a first visit (and
 * saves a new one).
 */
import { SITE, sha256 } from "./worker-python.js";

const CACHE = "pyodide-snapshot";
const HEADER = "X-SHA256"; // the snapshot's SHA-256, saved with it
// Pyodide 0.27's snapshot layout (pyodide.asm.js makeSnapshot): a header (its first 32-bit word
// the magic number, its second the header's size), then the WebAssembly memory, whole 64 KiB pages.
const MAGIC = 1886286592;
const PAGE = 65536;

const keyOf = (version) => new URL(`python-snapshot/${encodeURIComponent(version)}`, SITE).href;
const available = () => Boolean(self.caches && self.crypto?.subtle);

/** This site version's saved snapshot: null when there is none (or no Cache Storage), else
 * `{bytes}`, the promise of its bytes once their SHA-256 and layout are checked; one that does
 * not match is deleted and the promise rejects, naming why. The check (reading about 20 MB and
 * hashing them) runs while Pyodide fetches and compiles its own script: loadPyodide awaits the
 * promise (its _loadSnapshot) only when it needs the bytes. Never throws. */
export async function savedSnapshot(version) {
  if (!available()) return null;
  let response;
  try {
    response = await (await caches.open(CACHE)).match(keyOf(version));
  } catch {
    return null; // Cache Storage refused (private mode, quota): start as on a first visit
  }
  if (!response) return null;
  const bytes = checked(version, response);
  bytes.catch(() => {}); // its rejection is loadPyodide's to report
  return { bytes };
}

async function checked(version, response) {
  const expected = response.headers.get(HEADER);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (expected && (await sha256(bytes)) === expected && isSnapshot(bytes)) return bytes;
  await forgetSnapshot(version);
  throw new Error("the saved snapshot of Python is damaged (its SHA-256 or layout does not match); deleted");
}

/** Whether `bytes` are laid out as a Pyodide snapshot: anything else would make loadPyodide build
 * a memory of the wrong size (and hang), so it never sees them. */
function isSnapshot(bytes) {
  if (bytes.byteLength < 64 || bytes.byteOffset % 4 !== 0) return false;
  const [magic, headerSize] = new Uint32Array(bytes.buffer, bytes.byteOffset, 2);
  return magic === MAGIC && headerSize < bytes.byteLength && (bytes.byteLength - headerSize) % PAGE === 0;
}

/** Save `bytes` as this site version's snapshot, and delete every other. Never throws. */
export async function saveSnapshot(version, bytes) {
  if (!available()) return false;
  try {
    const cache = await caches.open(CACHE);
    const headers = { "Content-Type": "application/octet-stream", [HEADER]: await sha256(bytes) };
    await cache.put(keyOf(version), new Response(bytes, { headers }));
    for (const request of await cache.keys()) {
      if (request.url !== keyOf(version)) await cache.delete(request);
    }
    return true;
  } catch {
    return false; // no room: the next visit starts Python as this one did
  }
}

/** Delete this site version's snapshot (Pyodide refused it, or it was damaged). Never throws. */
export async function forgetSnapshot(version) {
  if (!available()) return;
  try {
    await (await caches.open(CACHE)).delete(keyOf(version));
  } catch {
    // nothing saved, nothing to delete
  }
}
