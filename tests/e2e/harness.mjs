// End-to-end harness: starts the built server on a free port with a fresh database, opens
// headless Chromium (Debian's) through playwright-core, and stops both afterwards.
//
// Environment: LOTSA_SERVER_BIN and LOTSA_SITE_ROOT (set by scripts/test.sh),
// LOTSA_E2E_DATABASE=sqlite|postgres, and TEST_DATABASE_URL for postgres.

import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { chromium, request } from "playwright-core";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Only loopback: the tests see nothing but their own server.
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
];

/** A phone: the smallest screen the app is built for. */
export const PHONE = { width: 360, height: 640 };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function freshDatabaseUrl() {
  if ((process.env.LOTSA_E2E_DATABASE ?? "sqlite") !== "postgres") return undefined;
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) throw new Error("LOTSA_E2E_DATABASE=postgres needs TEST_DATABASE_URL");
  const name = `lotsa_e2e_${randomUUID().replaceAll("-", "")}`;
  execFileSync("psql", [admin, "-q", "-c", `CREATE DATABASE "${name}"`], { stdio: "pipe" });
  return admin.replace(/\/[^/]*$/, `/${name}`);
}

/** Starts the server (with `extraEnv` added) and waits until /health answers. */
export async function startServer(extraEnv = {}) {
  const bin = process.env.LOTSA_SERVER_BIN;
  const siteRoot = process.env.LOTSA_SITE_ROOT;
  if (!bin || !siteRoot) throw new Error("LOTSA_SERVER_BIN and LOTSA_SITE_ROOT must be set");
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "lotsa-e2e-"));
  const env = {
    PATH: process.env.PATH,
    LOTSA_ADDR: `127.0.0.1:${port}`,
    LOTSA_DATA_DIR: dataDir,
    LOTSA_SITE_ROOT: siteRoot,
    RUST_LOG: "warn",
    ...extraEnv,
  };
  const databaseUrl = freshDatabaseUrl();
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  let child;

  async function spawnAndWait() {
    child = spawn(bin, [], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    // Generous: demo mode stores a whole programme before it answers.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
      try {
        const response = await fetch(`${url}/health`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`server did not answer /health:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function exit(signal) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill(signal);
      await exited;
    }
  }

  await spawnAndWait();
  return {
    url,
    output: () => output,
    /** Kills the server as a power cut would (no shutdown), keeping its database. */
    kill: () => exit("SIGKILL"),
    /** Starts it again on the same address and database. */
    restart: spawnAndWait,
    async stop() {
      await exit("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
}

/** Opens a Chromium persistent context on `profile` (a directory that outlives it). */
export async function openProfile(profile, options = {}) {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    viewport: PHONE,
    locale: "en-US",
    ...options,
  });
}

/**
 * Launches headless Chromium with its own fresh profile, as a phone would show the app.
 * The browser's language is English on purpose: the app must still start in Swedish.
 */
export async function startBrowser(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), "lotsa-chromium-"));
  const context = await openProfile(profile, options);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `body(page, errors)` in a fresh browser profile on a phone-sized page, and closes the
 * browser afterwards whatever happens. `errors` collects console errors and uncaught
 * exceptions, for tests to assert there are none.
 */
export async function withPage(body, options = {}) {
  const browser = await startBrowser(options);
  try {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    await body(page, errors, browser.context);
  } finally {
    await browser.close();
  }
}

/** Collects the page's console errors and uncaught exceptions, to assert there are none. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/**
 * Waits until the service worker controls the page: from then on every file of the build,
 * each screen's chunk included, is on the device, and the app opens offline.
 */
export async function serviceWorkerReady(page) {
  await page.evaluate(() =>
    Promise.race([
      navigator.serviceWorker.ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error("no service worker")), 30_000)),
    ]).then(() => undefined),
  );
  const controlled = () => navigator.serviceWorker.controller !== null;
  try {
    await page.waitForFunction(controlled, null, { timeout: 5_000 });
  } catch {
    // A page whose document was created while the worker activated can miss being claimed;
    // its next load is controlled, as a user's next visit would be.
    await page.reload();
    await waitForHydration(page);
    await page.waitForFunction(controlled, null, { timeout: 20_000 });
  }
}

/**
 * Opens one of the forms on a participant's page (`check-in`, `absence`, `review`,
 * `contact`, `placement`, `event`, `closing`), unless it is open, and returns it once shown.
 */
export async function openForm(page, name) {
  const button = page.getByTestId(`open-${name}`);
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
  const form = page.getByTestId(`${name}-form`);
  await form.waitFor();
  return form;
}

/** Waits until the wasm has hydrated the page (the frontend marks <body> when done). */
export async function waitForHydration(page) {
  await page.waitForFunction(() => document.body.dataset.hydrated === "true", null, {
    timeout: 20_000,
  });
}

/** Polls `check` until it holds (about 30 s at most), else fails saying `what`. */
export async function eventually(check, what) {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(what);
}

/**
 * Saves what `page` shows now as test-results/screenshots/<name>-<database>.png, for a
 * reviewer to look at (the README says where).
 */
export async function screenshot(page, name) {
  const dir = new URL("../../test-results/screenshots/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const database = process.env.LOTSA_E2E_DATABASE ?? "sqlite";
  await page.screenshot({ path: new URL(`${name}-${database}.png`, dir).pathname });
}

/** The password of every demo account. */
export const DEMO_PASSWORD = "demo-lotsa-2026";

/**
 * Opens the sign-in page. It is plain HTML, loading none of the app's code (its forms post
 * to the server), so there is no hydration to wait for: its form is there once it loads.
 */
export async function openSignIn(page, server, path = "/login") {
  await page.goto(`${server.url}${path}`);
  await page.getByTestId("login-form").waitFor();
}

/** Signs in through the login page and waits for the start page to be interactive. */
export async function signIn(page, server, username) {
  await openSignIn(page, server);
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", DEMO_PASSWORD);
  await page.click("[data-testid=login-form] button[type=submit]");
  // On to the user's start page (a case manager's caseload, a participant's schedule, anyone
  // else's welcome page).
  await page.waitForURL((url) => url.pathname !== "/login");
  await waitForHydration(page);
}

/** A fresh profile directory, for tests that close the browser and open it again. */
export function newProfileDir() {
  return mkdtempSync(join(tmpdir(), "lotsa-chromium-"));
}

/** Signs in through the API with cookies of its own; `dispose()` it afterwards. */
export async function apiAs(server, username) {
  const api = await request.newContext({ baseURL: server.url });
  const login = await api.post("/api/v1/auth/login", {
    data: { username, password: DEMO_PASSWORD },
  });
  if (login.status() !== 200) throw new Error(`${username} could not sign in: ${login.status()}`);
  return api;
}

/**
 * Reads the signed-in user's IndexedDB on the page: `count` a store, or `get` one key of it
 * (null if absent). Also returns the names of the origin's databases.
 */
async function readUserStore(page, store, op, key) {
  return page.evaluate(
    async ({ store, op, key }) => {
      const names = (await indexedDB.databases()).map((db) => db.name);
      const user = names.find((name) => name.startsWith("lotsa-user-"));
      if (!user) return { names, value: null };
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open(user);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      try {
        const value = await new Promise((resolve, reject) => {
          const objects = db.transaction(store).objectStore(store);
          const request = op === "count" ? objects.count() : objects.get(key);
          request.onsuccess = () => resolve(request.result ?? null);
          request.onerror = () => reject(request.error);
        });
        return { names, value };
      } finally {
        db.close();
      }
    },
    { store, op, key },
  );
}

/** The names of this origin's IndexedDB databases and the record count of the user's. */
export async function deviceData(page) {
  const { names, value } = await readUserStore(page, "records", "count");
  return { names, records: value ?? 0 };
}

/** What the user's IndexedDB holds under `key` in `store` (the app keeps JSON text), or null. */
export async function storedValue(page, store, key) {
  const { value } = await readUserStore(page, store, "get", key);
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** The draft the app keeps on the device under `name` (such as `check_in/<participant>`), or null. */
export async function keptDraft(page, name) {
  return storedValue(page, "meta", `draft/${name}`);
}

/** The day in Sweden `offsetDays` from now, as YYYY-MM-DD (how date inputs take it). */
export function swedishToday(offsetDays = 0) {
  const day = new Date(Date.now() + offsetDays * 86_400_000);
  return day.toLocaleDateString("sv-SE", { timeZone: "Europe/Stockholm" });
}

/** Opens the caseload's list through the sync bar's link, unless the list is open already. */
export async function toCaseload(page) {
  const url = new URL(page.url());
  if (url.pathname !== "/caseload" || url.search !== "") await page.getByTestId("caseload-link").click();
  await page.getByTestId("caseload").locator("a").first().waitFor();
}

/** Signs in, waits for the first sync and opens the caseload; returns its links once one shows. */
export async function openCaseload(page, server, username) {
  await signIn(page, server, username);
  await waitForSynced(page);
  // A case manager starts there; anyone else is taken there.
  if (new URL(page.url()).pathname !== "/caseload") {
    await page.goto(`${server.url}/caseload`);
    await waitForHydration(page);
  }
  const links = page.getByTestId("caseload").locator("a");
  await links.first().waitFor();
  return links;
}

/**
 * Waits until the device has nothing left to send or, given a note, until that note's
 * timeline entry is no longer marked unsent.
 */
export async function waitUntilSent(page, note) {
  const marker =
    note === undefined
      ? page.getByTestId("pending-count")
      : page.getByTestId("timeline").locator("li", { hasText: note }).getByTestId("unsent");
  await marker.waitFor({ state: "detached", timeout: 30_000 });
}

/** A participant's records as `username` (by default the project leader) finds them on the server. */
export async function recordsOnServer(server, participant, username = "projektledare") {
  const api = await apiAs(server, username);
  try {
    const response = await api.get(`/api/v1/participants/${participant}/records`);
    if (!response.ok()) throw new Error(`${username} could not read the records: ${response.status()}`);
    return await response.json();
  } finally {
    await api.dispose();
  }
}

/** Page errors other than the failed requests a browser logs while it is offline. */
export function onlineErrors(errors) {
  return errors.filter((error) => !error.includes("ERR_INTERNET_DISCONNECTED"));
}

/** Waits until the sync line says the device has synced, and returns what it says. */
export async function waitForSynced(page) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const text = await page.getByTestId("sync-status").textContent();
    if (text.startsWith("Synkad")) return text;
    await page.waitForTimeout(200);
  }
  throw new Error("the app never said it had synced");
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * The WCAG 2.1 A and AA violations axe-core finds on the page as it is now, one line each
 * (rule, impact and the elements), for `assert.deepEqual(…, [])`.
 */
export async function accessibilityViolations(page) {
  // Evaluated through DevTools, so the app's Content-Security-Policy does not apply to it.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
  });
  return violations;
}
