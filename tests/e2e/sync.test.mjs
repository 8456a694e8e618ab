// The device's copy: signing in brings the user's data into IndexedDB, it stays there
// offline and across reloads, and signing out removes it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  withPage,
  waitForHydration,
  signIn,
  waitForSynced,
  deviceData,
  onlineErrors,
  serviceWorkerReady,
} from "./harness.mjs";

let server;
before(async () => {
  server = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await server?.stop(), 0, server?.output());
});

test("a case manager's caseload is on the device after signing in, offline and after a reload", async () => {
  await withPage(async (page, errors, context) => {
    await signIn(page, server, "handlaggare1");
    await waitForSynced(page);
    const synced = await deviceData(page);
    assert.ok(synced.records > 500, `the caseload's records are on the device: ${synced.records}`);
    // The first page that runs the app installs the service worker (the sign-in page runs
    // none of it), which the app needs to start offline.
    await serviceWorkerReady(page);

    await context.setOffline(true);
    await page.reload();
    await waitForHydration(page);
    assert.match(await page.getByTestId("connection").textContent(), /Offline/);
    // The device opens the user's data from IndexedDB, so it knows when it last synced.
    assert.match(await waitForSynced(page), /^Synkad \d\d:\d\d/);
    assert.equal((await deviceData(page)).records, synced.records);
    await context.setOffline(false);
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("signing out removes the user's data from the device", async () => {
  await withPage(async (page) => {
    await signIn(page, server, "handlaggare2");
    await waitForSynced(page);
    assert.ok((await deviceData(page)).records > 0);
    await page.getByTestId("sign-out").click();
    await page.waitForURL(`${server.url}/`);
    for (let i = 0; i < 50; i++) {
      const { names } = await deviceData(page);
      if (!names.some((name) => name.startsWith("lotsa-user-"))) return;
      await page.waitForTimeout(100);
    }
    assert.fail("the user's database is still on the device");
  });
});
