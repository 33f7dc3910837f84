/* ScratchNN's service worker: after the first visit the site works offline, and repeat visits
 * load from this browser's Cache Storage instead of the network.
 *
 * One cache per version of the site, named "scratchnn-" + site.json's "version" (the package
 * version + a short hash of every file's SHA-256, written by scripts/build_site.py). It holds every
 * file that site.json's "files" lists (the page, its modules, the worker, Pyodide and NumPy, the
 * package, the weights, the training data) and site.json itself. When site.json names a new
 * version, a new cache is filled (files whose bytes did not change are copied from the old cache,
 * the rest fetched) and then every other "scratchnn-" cache is deleted.
 *
 * What is checked where:
 * - site.json: network first (revalidated past the HTTP cache, so an update is seen at once),
 *   its cached copy when the network fails or takes longer than MANIFEST_TIMEOUT_MS. It is the
 *   list of checksums, so nothing checks it; it is never hash-checked itself.
 * - Every other file site.json lists: served from the cache only when its bytes have the SHA-256
 *   site.json gives, checked every time it is served. A cached copy that does not match is deleted
 *   and fetched again (the HTTP cache, then past it), checked, and cached only when it matches. A
 *   file that the network only ever gives with other bytes (a half-updated site) is passed on as
 *   the network gave it, without the service worker (what the browser would do), and not cached;
 *   offline, a bad cached copy gives a 503, never its bytes.
 * - Then, for what Python uses (the package, the weights, the training data), the worker checks
 *   the bytes again itself (worker-python.js fetchVerified); Pyodide's files are pinned by SHA-256
 *   when the site is built (build_site.py PYODIDE_SHA256), and so listed here.
 * - Anything else (other origins, not GET, a URL with a query, a file site.json does not list)
 *   goes to the network untouched.
 *
 * The page registers it once it is ready (offline.js), so the first visit's load is not slowed;
 * it runs under the page's Content-Security-Policy's worker-src 'self'.
 */

const SCOPE = new URL("./", self.location.href).href;
const PREFIX = "scratchnn-";
const MANIFEST = "site.json";
const MANIFEST_TIMEOUT_MS = 4000; // a network that hangs ("lie-fi") falls back to the cache
const PARALLEL = 4; // files fetched at once while a cache is filled

let site = null; // the manifest in use: {version, files: {path: sha256}, text}
let filling = null; // the version being filled now, and its promise: {version, done}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      site = await networkManifest(); // no site.json: no service worker (the install fails)
      await fill(site);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const manifest = site ?? (await cachedManifest());
      if (manifest) await dropOtherCaches(manifest.version);
      await self.clients.claim(); // the page that registered it is served from now on
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.search || !url.href.startsWith(SCOPE)) return;
  const path = url.href.slice(SCOPE.length).split("#")[0];
  if (path === MANIFEST) {
    event.respondWith(latest(event).then((manifest) => manifestResponse(manifest)));
  } else if (request.mode === "navigate" && (path === "" || path === "index.html")) {
    event.respondWith(latest(event).then((manifest) => serve("index.html", manifest)));
  } else if (path !== "sw.js") {
    event.respondWith(known().then((manifest) => serve(path, manifest, request)));
  }
});

/** site.json as the server has it now (revalidated), parsed; throws when it cannot be had. */
async function networkManifest() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), MANIFEST_TIMEOUT_MS);
  try {
    const response = await fetch(SCOPE + MANIFEST, { cache: "no-cache", signal: abort.signal });
    if (!response.ok) throw new Error(`${MANIFEST}: HTTP ${response.status}`);
    return parse(await response.text());
  } finally {
    clearTimeout(timer);
  }
}

function parse(text) {
  const manifest = JSON.parse(text);
  if (typeof manifest.version !== "string" || typeof manifest.files !== "object" || !manifest.files) {
    throw new Error(`${MANIFEST} has no "version" and "files" (a site built before the service worker)`);
  }
  return { version: manifest.version, files: manifest.files, text };
}

/** The newest site.json this worker can get: the network's (adopting a new version, whose cache
 * is then filled in the background), else the one in use, else the cached one. */
async function latest(event) {
  let manifest;
  try {
    manifest = await networkManifest();
  } catch {
    return known();
  }
  site = manifest;
  // A new version gets its cache filled in the background; for the one in use this only looks
  // that every file is there (what is missing now is cached on use).
  event.waitUntil(fill(manifest).catch(() => {}));
  return manifest;
}

/** The manifest in use; after the browser stopped and restarted this worker, the cached one. */
async function known() {
  site = site ?? (await cachedManifest());
  if (!site) throw new Error(`no ${MANIFEST} in the cache and none from the network`);
  return site;
}

async function cachedManifest() {
  const names = (await caches.keys()).filter((name) => name.startsWith(PREFIX));
  for (const name of names.reverse()) {
    const response = await (await caches.open(name)).match(SCOPE + MANIFEST);
    if (response) return parse(await response.text());
  }
  return null;
}

function manifestResponse(manifest) {
  return new Response(manifest.text, { headers: { "Content-Type": "application/json" } });
}

/** The response for the site's file `path`: the cached copy once checked, else the network's. */
async function serve(path, manifest, request) {
  const expected = manifest.files[path];
  if (!expected) return fetch(request ?? SCOPE + path); // not a file of this version of the site
  const cache = await caches.open(PREFIX + manifest.version);
  const key = SCOPE + path;
  const hit = await cache.match(key);
  if (hit) {
    if (await matches(hit, expected)) return hit;
    await cache.delete(key); // refused: fetched again below
  }
  try {
    const response = await fetchChecked(key, expected);
    if (response.checked) await cache.put(key, response.clone());
    return response;
  } catch {
    return new Response(`${path} is not available offline (no checked copy is cached)`, {
      status: 503,
      headers: { "Content-Type": "text/plain" },
    });
  }
}

/** The network's `url` (the HTTP cache's copy, else past it); `.checked` when it has `expected`. */
async function fetchChecked(url, expected) {
  let response;
  for (const cache of ["default", "reload"]) {
    response = await fetch(url, { cache });
    if (!response.ok) return response;
    if (await matches(response, expected)) {
      response.checked = true;
      return response;
    }
  }
  return response;
}

/** Does the body of `response` have the SHA-256 `expected`? (Reads a copy; the response stays usable.) */
async function matches(response, expected) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await response.clone().arrayBuffer()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("") === expected;
}

/** Cache every file of `manifest` that its cache lacks (a copy from an older version's cache when
 * its bytes are the same, else the network's, checked), then delete the caches of other versions.
 * One fill per version at a time. */
function fill(manifest) {
  if (filling?.version === manifest.version) return filling.done;
  const done = (async () => {
    const cache = await caches.open(PREFIX + manifest.version);
    await cache.put(SCOPE + MANIFEST, manifestResponse(manifest));
    const others = (await caches.keys()).filter(
      (name) => name.startsWith(PREFIX) && name !== PREFIX + manifest.version,
    );
    const paths = Object.keys(manifest.files).filter((path) => path !== "sw.js");
    const next = async () => {
      for (let path = paths.shift(); path !== undefined; path = paths.shift()) {
        await cacheOne(cache, others, path, manifest.files[path]);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, next));
    await dropOtherCaches(manifest.version);
  })();
  filling = { version: manifest.version, done };
  return done.finally(() => {
    if (filling?.done === done) filling = null;
  });
}

async function cacheOne(cache, others, path, expected) {
  const key = SCOPE + path;
  if (await cache.match(key)) return; // there (checked when it is served)
  for (const name of others) {
    const old = await (await caches.open(name)).match(key);
    if (old && (await matches(old, expected))) return cache.put(key, old);
  }
  const response = await fetchChecked(key, expected);
  if (!response.checked) throw new Error(`${path} does not match ${MANIFEST}: not cached`);
  await cache.put(key, response);
}

async function dropOtherCaches(version) {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name !== PREFIX + version) await caches.delete(name);
  }
}
