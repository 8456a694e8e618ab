// The app shell: server rendering, hydration, offline start, 404, phone layout.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, withPage, waitForHydration, serviceWorkerReady, PHONE, openSignIn, onlineErrors } from "./harness.mjs";

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  const code = await server?.stop();
  assert.equal(code, 0, `the server stops cleanly on SIGTERM:\n${server?.output()}`);
});

test("the start page is rendered by the server, in Swedish, without JavaScript", async () => {
  await withPage(async (page) => {
    const response = await page.goto(server.url);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator("h1").textContent(), "Välkommen till Lotsa");
    assert.equal(await page.getAttribute("html", "lang"), "sv");
    assert.equal(await page.title(), "Välkommen till Lotsa – Lotsa");
  }, { javaScriptEnabled: false });
});

test("the language switch works once the app has hydrated, and is remembered", async () => {
  await withPage(async (page, errors) => {
    await page.goto(server.url);
    await waitForHydration(page);
    const heading = page.locator("h1");
    assert.equal(await heading.textContent(), "Välkommen till Lotsa");

    await page.getByTestId("switch-language").click();
    await page.waitForFunction(() => document.querySelector("h1").textContent === "Welcome to Lotsa");
    assert.equal(await page.getByTestId("switch-language").textContent(), "På svenska");
    assert.equal(await page.getAttribute("html", "lang"), "en");

    await page.reload();
    await waitForHydration(page);
    assert.equal(await heading.textContent(), "Welcome to Lotsa", "the choice survives a reload");
    // Kept for the whole site and beyond this browser session.
    const [cookie] = (await page.context().cookies()).filter((c) => c.name === "lotsa_language");
    assert.equal(cookie?.value, "en");
    assert.equal(cookie.path, "/");
    assert.ok(cookie.expires > Date.now() / 1000 + 300 * 24 * 3600, "kept for about a year");
    await openSignIn(page, server);
    assert.equal(await heading.textContent(), "Sign in", "another page, rendered by the server, in English");

    // The sign-in page runs none of the app's code: its switch asks the server, which keeps
    // the choice in the same cookie and sends the browser back.
    await page.getByTestId("switch-language").click();
    await page.waitForURL(`${server.url}/login`);
    await page.waitForFunction(() => document.querySelector("h1").textContent === "Logga in");
    await page.reload();
    await page.getByTestId("login-form").waitFor();
    assert.equal(await heading.textContent(), "Logga in", "back to Swedish, also after a reload");
    const [kept] = (await page.context().cookies()).filter((c) => c.name === "lotsa_language");
    assert.equal(kept?.value, "sv");
    assert.ok(kept.expires > Date.now() / 1000 + 300 * 24 * 3600, "kept for about a year");
    await page.goto(server.url);
    await waitForHydration(page);
    assert.equal(await heading.textContent(), "Välkommen till Lotsa");
    assert.deepEqual(errors, []);
  });
});

test("the language chosen stays when the app starts offline, and the choice is not overwritten", async () => {
  await withPage(async (page, errors, context) => {
    await page.goto(server.url);
    await waitForHydration(page);
    await serviceWorkerReady(page);
    // Chosen on another page than the start page, whose copy the worker cached in Swedish.
    await openSignIn(page, server);
    await page.getByTestId("switch-language").click();
    await page.waitForFunction(() => document.querySelector("h1").textContent === "Sign in");

    await context.setOffline(true);
    await page.goto(server.url);
    await waitForHydration(page);
    await page.waitForFunction(() => document.querySelector("h1").textContent === "Welcome to Lotsa");
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.match(await page.getByTestId("connection").textContent(), /^Offline/);
    await page.reload();
    await waitForHydration(page);
    await page.waitForFunction(() => document.querySelector("h1").textContent === "Welcome to Lotsa");
    const [cookie] = (await context.cookies()).filter((c) => c.name === "lotsa_language");
    assert.equal(cookie?.value, "en", "the choice is kept");
    await context.setOffline(false);
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("after one online visit the app starts offline from the service worker", async () => {
  await withPage(async (page, errors, context) => {
    await page.goto(server.url);
    await waitForHydration(page);
    // The worker has precached the shell once it controls the page.
    await serviceWorkerReady(page);
    const status = page.getByTestId("connection");
    assert.equal(await status.textContent(), "Ansluten");

    await context.setOffline(true);
    await page.waitForFunction(
      () => !document.querySelector("[data-testid=connection]").textContent.startsWith("Ansluten"),
    );
    assert.match(await status.textContent(), /^Offline/);

    await page.reload();
    await waitForHydration(page);
    assert.equal(await page.locator("h1").textContent(), "Välkommen till Lotsa");
    assert.match(await status.textContent(), /^Offline/, "the header says the device is offline");

    await context.setOffline(false);
    await page.waitForFunction(
      () => document.querySelector("[data-testid=connection]").textContent === "Ansluten",
    );
    assert.deepEqual(errors, []);
  });
});

test("the device store is opened with its current schema", async () => {
  await withPage(async (page) => {
    await page.goto(server.url);
    await waitForHydration(page);
    // The frontend opens the store right after hydrating; poll until it exists.
    const readSchema = () =>
      page.evaluate(async () => {
        const databases = await indexedDB.databases();
        const lotsa = databases.find((db) => db.name === "lotsa");
        if (!lotsa) return null;
        const db = await new Promise((resolve, reject) => {
          const request = indexedDB.open("lotsa");
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        const names = [...db.objectStoreNames].sort();
        db.close();
        return { version: lotsa.version, names };
      });
    let schema = null;
    for (let attempt = 0; attempt < 100 && schema === null; attempt++) {
      schema = await readSchema();
      if (schema === null) await page.waitForTimeout(100);
    }
    assert.deepEqual(schema, { version: 3, names: ["meta", "notices", "outbox", "records"] });
  });
});

test("an unknown address shows a real 404 page", async () => {
  await withPage(async (page, errors) => {
    const response = await page.goto(`${server.url}/deltagare/okand`);
    assert.equal(response.status(), 404);
    await waitForHydration(page);
    assert.equal(await page.locator("h1").textContent(), "Sidan finns inte");
    await page.getByRole("link", { name: "Till startsidan" }).click();
    await page.waitForFunction(() => document.querySelector("h1").textContent === "Välkommen till Lotsa");
    assert.deepEqual(errors.filter((error) => !error.includes("404")), []);
  });
});

test("on a 360 px phone nothing scrolls sideways and every target is at least 44 px", async () => {
  await withPage(async (page) => {
    await page.goto(server.url);
    await waitForHydration(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `page is ${width} px wide`);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll("a, button, input, select, textarea")]
        .filter((element) => element.getClientRects().length > 0 && !element.classList.contains("skip-link"))
        .map((element) => ({ text: element.textContent.trim(), box: element.getBoundingClientRect() }))
        .filter(({ box }) => box.width < 44 || box.height < 44)
        .map(({ text, box }) => `${text}: ${box.width}x${box.height}`),
    );
    assert.deepEqual(small, []);
  });
});

test("the app is installable: manifest and icons", async () => {
  const response = await fetch(`${server.url}/manifest.webmanifest`);
  assert.equal(response.status, 200);
  const manifest = await response.json();
  assert.equal(manifest.lang, "sv");
  assert.equal(manifest.display, "standalone");
  assert.equal(manifest.start_url, "/");
  assert.ok(manifest.name && manifest.short_name && manifest.theme_color);
  const sizes = manifest.icons.map((icon) => `${icon.sizes} ${icon.purpose}`);
  for (const expected of ["192x192 any", "512x512 any", "512x512 maskable"]) {
    assert.ok(sizes.includes(expected), `${expected} icon missing: ${sizes}`);
  }
  for (const icon of manifest.icons) {
    const image = await fetch(new URL(icon.src, server.url));
    assert.equal(image.status, 200, icon.src);
    assert.equal(image.headers.get("content-type"), "image/png");
  }
});
