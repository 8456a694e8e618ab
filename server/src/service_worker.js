// Lotsa's service worker. The server fills in the two constants below for each build, so a
// new build gets a new cache, and older ones are removed when the new worker takes over.
const CACHE = "__LOTSA_CACHE_NAME__";
const SHELL = __LOTSA_SHELL__;
const CACHE_PREFIX = "lotsa-";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
      // A half-filled cache must not stay behind, where it would pass for the previous build.
      .catch((error) => caches.delete(CACHE).then(() => Promise.reject(error)))
      .then(() => self.skipWaiting()),
  );
});

// The previous build's cache is kept one build longer: a page still running that build
// fetches its screens' chunks on demand, and they are gone from the server after a deploy.
// Older caches go. Cache names are listed in the order they were created.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => {
        const older = keys.filter((key) => key.startsWith(CACHE_PREFIX) && key !== CACHE);
        return Promise.all(older.slice(0, -1).map((key) => caches.delete(key)));
      })
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // The sign-in page posts its form without the app's code. With no network, the browser
  // would show its own error page: the sign-in page saying so is shown instead.
  if (request.method === "POST" && request.mode === "navigate" && url.pathname === "/login") {
    event.respondWith(fetch(request).catch(() => Response.redirect("/login?error=unreachable", 303)));
    return;
  }
  if (request.method !== "GET") return;
  // Data never comes from this cache: it lives in IndexedDB and travels through the sync API.
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/") || url.pathname === "/health") {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(request, url));
    return;
  }
  event.respondWith(cached(request).then((hit) => hit || fetch(request)));
});

// This build's copy first (the previous build's cache holds older files under the same
// unhashed names), then any: a page still running the previous build asks for its chunks.
async function cached(request) {
  const current = await caches.open(CACHE);
  return (await current.match(request)) || (await caches.match(request));
}

// Pages come from the network while there is one (so they are current), and from the cache
// when there is none: under their whole address if the shell lists it (the sign-in page
// saying the server could not be reached), else under their path; a page that was never
// cached falls back to the start page.
async function navigate(request, url) {
  const cache = await caches.open(CACHE);
  const address = url.pathname + url.search;
  try {
    const response = await fetch(request);
    if (response.ok && SHELL.includes(address)) {
      await cache.put(address, response.clone());
    }
    return response;
  } catch (offline) {
    return (
      (await cache.match(address)) ||
      (await cache.match(url.pathname)) ||
      (await cache.match("/")) ||
      Response.error()
    );
  }
}
