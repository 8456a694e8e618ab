// Lotsa's service worker. The server fills in the two constants below for each build, so a
// new build gets a new cache, and older ones are removed when the new worker takes over.
const CACHE = "__LOTSA_CACHE_NAME__";
const SHELL = __LOTSA_SHELL__;
const CACHE_PREFIX = "lotsa-";
// Registered by a page that runs without the app's code (`/sw.js?pages`, the participant's
// schedule): the worker then keeps only what such pages need, not the app's code, which a
// participant's phone on mobile data has no use for.
const PAGES_ONLY = new URL(self.location).searchParams.has("pages");
const APP_CODE = /\.(wasm|js)$/;
// Pages with one person's data, kept for opening offline after a visit online; forgotten
// whenever someone signs in or out on this device, or the server no longer knows the session.
const PERSONAL_PAGES = ["/schedule"];
const APP_PAGES = ["/", "/caseload"];

self.addEventListener("install", (event) => {
  const files = PAGES_ONLY
    ? SHELL.filter((url) => !APP_CODE.test(url) && !APP_PAGES.includes(url))
    : SHELL;
  event.waitUntil(
    caches
      .open(CACHE)
      .then(async (cache) => {
        await cache.addAll(files.map((url) => new Request(url, { cache: "reload" })));
        if (PAGES_ONLY) await keepPersonalPages(cache);
      })
      // A half-filled cache must not stay behind, where it would pass for the previous build.
      .catch((error) => caches.delete(CACHE).then(() => Promise.reject(error)))
      .then(() => self.skipWaiting()),
  );
});

// The page that registered the worker was shown before the worker ran: it is fetched again,
// so that it opens offline after this one visit. Only a page the server answered itself is
// kept (not the sign-in page it sends someone to whose session ended).
async function keepPersonalPages(cache) {
  for (const page of PERSONAL_PAGES) {
    try {
      const response = await fetch(page, { redirect: "manual", cache: "reload" });
      if (response.status === 200) await cache.put(page, response);
    } catch (offline) {
      // Kept on the next visit instead.
    }
  }
}

// Absences a participant reported with no network wait here, each as the form's body, until
// a page is opened with a network again. Not under CACHE_PREFIX: a new build keeps them.
const OUTBOX = "lotsa.outbox";
const OUTBOX_FORMS = ["/schedule/absence"];

async function queue(request) {
  const outbox = await caches.open(OUTBOX);
  const body = await request.clone().text();
  // The form's id names the entry: the same form sent twice waits once.
  const id = new URLSearchParams(body).get("id") || String(Date.now());
  const url = new URL(request.url);
  await outbox.put(`${url.pathname}?waiting=${encodeURIComponent(id)}`, new Response(body));
}

// Sends what waits, oldest first; stops at the first that finds no network, or that the server
// sends to the sign-in page (the session ended: it waits for the participant to sign in again).
// A form the server answered (back to the page, or a refusal) is done; one it failed stays.
async function sendWaiting() {
  const outbox = await caches.open(OUTBOX);
  for (const key of await outbox.keys()) {
    const body = await (await outbox.match(key)).text();
    let response;
    try {
      response = await fetch(new URL(key.url).pathname, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        credentials: "same-origin",
      });
    } catch (offline) {
      return;
    }
    if (new URL(response.url).pathname === "/login") return;
    if (response.status < 500) await outbox.delete(key);
  }
}

async function waitingCount() {
  return (await (await caches.open(OUTBOX)).keys()).length;
}

// The kept page, showing the note it carries hidden for the time a report waits here.
async function withWaitingNote(page) {
  if (!page || (await waitingCount()) === 0) return page;
  const html = (await page.text()).replace("hidden data-outbox-notice", "data-outbox-notice");
  return new Response(html, { status: page.status, headers: page.headers });
}

// Signing out also drops what waits to be sent: the phone keeps nothing of the person. (A
// report sent later under someone else's session is refused by the server: the form names
// whose page it came from.)
async function forgetPersonalPages({ andWaiting = false } = {}) {
  if (andWaiting) await caches.delete(OUTBOX);
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX)) continue;
    const cache = await caches.open(name);
    await Promise.all(PERSONAL_PAGES.map((page) => cache.delete(page)));
  }
}

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
  // Signing in or out (the pages' forms, or the app's own request) forgets the pages kept
  // with someone's data first, whether or not the server can be reached.
  const signing =
    request.method === "POST" &&
    (["/login", "/logout", "/api/v1/auth/login", "/api/v1/auth/logout"].includes(url.pathname) ||
      /^\/api\/v1\/invites\/[^/]+\/accept$/.test(url.pathname));
  const forgetting = () =>
    forgetPersonalPages({ andWaiting: ["/logout", "/api/v1/auth/logout"].includes(url.pathname) });
  // The pages post their forms without the app's code. With no network, the browser would
  // show its own error page: the sign-in page saying so is shown instead.
  if (signing && request.mode === "navigate") {
    event.respondWith(
      forgetting()
        .then(() => fetch(request))
        .catch(() => Response.redirect("/login?error=unreachable", 303)),
    );
    return;
  }
  if (signing) {
    event.waitUntil(forgetting());
    return;
  }
  // A report made with no network waits on the phone, and the page says so.
  if (request.method === "POST" && request.mode === "navigate" && OUTBOX_FORMS.includes(url.pathname)) {
    event.respondWith(
      fetch(request.clone()).catch(async () => {
        await queue(request);
        return Response.redirect("/schedule#absence", 303);
      }),
    );
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
// cached falls back to the start page (a personal page to the sign-in page).
async function navigate(request, url) {
  const cache = await caches.open(CACHE);
  const address = url.pathname + url.search;
  const personal = PERSONAL_PAGES.includes(url.pathname);
  let response;
  try {
    // What waited goes first, so that the page shows it sent.
    if (personal) await sendWaiting();
    response = await fetch(request);
  } catch (offline) {
    if (personal) {
      const kept = (await cache.match(url.pathname)) || (await caches.match(url.pathname));
      // A personal page nobody kept is not stood in for by another page: the sign-in page.
      return (await withWaitingNote(kept)) || (await cache.match("/login")) || Response.error();
    }
    return (
      (await cache.match(address)) ||
      (await cache.match(url.pathname)) ||
      (await cache.match("/")) ||
      Response.error()
    );
  }
  if (personal) {
    // The server sent the visitor to sign in: whoever's page was kept is not theirs.
    if (response.redirected || !response.ok) {
      await forgetPersonalPages();
    } else {
      await cache.put(url.pathname, response.clone());
    }
  } else if (response.ok && SHELL.includes(address)) {
    await cache.put(address, response.clone());
  }
  return response;
}
