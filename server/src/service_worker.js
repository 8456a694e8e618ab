// Lotsa's service worker. The server fills in the two constants below for each build, so a
// new build gets a new cache, and older ones are removed when the new worker takes over.
const CACHE = "__LOTSA_CACHE_NAME__";
const SHELL = __LOTSA_SHELL__;
const CACHE_PREFIX = "lotsa-";
// Registered by a page that runs without the app's code (`/sw.js?pages`, the participant's
// schedule): the worker then keeps only what such pages need, not the app's code, which a
// participant's phone on mobile data has no use for.
const PAGES_ONLY = new URL(self.location).searchParams.has("pages");
// The app's code (the build's package): the pages' own script, outside it, stays.
const APP_CODE = /^\/pkg\/.*\.(wasm|js)$/;
// Pages with one person's data (the participant's schedule, the supervisor's days), kept under
// their whole address for opening offline after a visit online; forgotten whenever someone
// signs in or out on this device, or the server no longer knows the session.
const PERSONAL_PAGES = ["/schedule", "/today"];
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

// Forms sent with no network (a participant's absence, a supervisor's confirmations) wait
// here, each as the form's body, until a page is opened with a network again. Not under
// CACHE_PREFIX: a new build keeps them. Each form comes back to its page.
const OUTBOX = "lotsa.outbox";
const OUTBOX_FORMS = {
  "/schedule/absence": () => "/schedule#absence",
  "/schedule/attest": () => "/schedule#report",
  "/today/attendance": backTo,
  "/today/all-here": backTo,
};

// The supervisor's forms name the page they came from; only one of theirs is taken.
function backTo(form) {
  const back = form.get("back") || "";
  return /^\/today(\?day=\d{4}-\d{2}-\d{2})?(#[\w-]*)?$/.test(back) ? back : "/today";
}

// The form's id names the entry: the same form sent twice waits once, and a supervisor's
// second word on a participant's day (its id is the day's) replaces the first. It goes to the
// end of the line, so that it is sent after what was said before it.
async function queue(request) {
  const outbox = await caches.open(OUTBOX);
  const body = await request.clone().text();
  const id = new URLSearchParams(body).get("id") || String(Date.now());
  const url = new URL(request.url);
  const key = `${url.pathname}?waiting=${encodeURIComponent(id)}`;
  await outbox.delete(key);
  await outbox.put(key, new Response(body));
  return new URLSearchParams(body);
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
    // Refused (the page the server answered says why, but nobody saw it): the next page says
    // that something kept on the phone was not saved.
    if (response.status >= 400 && response.status < 500) {
      await (await caches.open(REFUSED)).put(key, new Response(""));
    }
  }
}

// Forms sent from the outbox that the server refused, until a page has said so.
const REFUSED = "lotsa.outbox-refused";

async function withRefusedNote(response) {
  const refused = await caches.open(REFUSED);
  const keys = await refused.keys();
  if (keys.length === 0) return response;
  await Promise.all(keys.map((key) => refused.delete(key)));
  const html = (await response.text()).replace("hidden data-outbox-refused", "data-outbox-refused");
  return new Response(html, { status: response.status, headers: response.headers });
}

async function waitingForms() {
  const outbox = await caches.open(OUTBOX);
  const keys = await outbox.keys();
  return Promise.all(keys.map(async (key) => new URLSearchParams(await (await outbox.match(key)).text())));
}

// The kept page, showing the notes it carries hidden for the time a form waits here: the
// page's, and on the supervisor's page each participant's whose day waits to be sent.
async function withWaitingNote(page) {
  const forms = page ? await waitingForms() : [];
  if (forms.length === 0) return page;
  let html = (await page.text()).replace("hidden data-outbox-notice", "data-outbox-notice");
  for (const form of forms) {
    for (const participant of form.getAll("participant")) {
      const mark = `data-waiting="${participant}:${form.get("day")}"`;
      html = html.replace(`hidden ${mark}`, mark);
    }
  }
  return new Response(html, { status: page.status, headers: page.headers });
}

// Signing out also drops what waits to be sent: the phone keeps nothing of the person. (A
// report sent later under someone else's session is refused by the server: the form names
// whose page it came from.)
async function forgetPersonalPages({ andWaiting = false } = {}) {
  if (andWaiting) await Promise.all([caches.delete(OUTBOX), caches.delete(REFUSED)]);
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX)) continue;
    const cache = await caches.open(name);
    const kept = await cache.keys();
    await Promise.all(
      kept.filter((key) => isPersonal(new URL(key.url))).map((key) => cache.delete(key)),
    );
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
  // A form sent with no network waits on the phone, and its page says so.
  const comeBack = OUTBOX_FORMS[url.pathname];
  if (request.method === "POST" && request.mode === "navigate" && comeBack) {
    event.respondWith(
      fetch(request.clone()).catch(async () => {
        const form = await queue(request);
        return Response.redirect(comeBack(form), 303);
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
function isPersonal(url) {
  return PERSONAL_PAGES.includes(url.pathname);
}

async function navigate(request, url) {
  const cache = await caches.open(CACHE);
  const address = url.pathname + url.search;
  const personal = isPersonal(url);
  let response;
  try {
    // What waited goes first, so that the page shows it sent.
    if (personal) await sendWaiting();
    response = await fetch(request);
  } catch (offline) {
    if (personal) {
      const kept = (await cache.match(address)) || (await caches.match(address));
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
    // The server sent the visitor elsewhere (to sign in, to their own start page): whoever's
    // page was kept is not theirs. A navigation's redirect comes back opaque (its mode is
    // manual). A page it refused (a wrong day) leaves the kept ones be.
    if (response.redirected || response.type === "opaqueredirect") {
      await forgetPersonalPages();
    } else if (response.ok) {
      await cache.put(address, response.clone());
      return withRefusedNote(response);
    }
  } else if (response.ok && SHELL.includes(address)) {
    await cache.put(address, response.clone());
  }
  return response;
}
