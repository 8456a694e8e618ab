// How long a first sync takes to write into IndexedDB in headless Chromium: the demo
// project leader (every record of the programme) and a case manager (their caseload).
// Watches the page's IndexedDB read-write transactions on the `records` store from the
// outside (an init script), so the app carries no benchmark code.
// Each user is measured on loopback and on a slow mobile link (SLOW_LINK, through the DevTools
// protocol), where the next page's download overlaps writing the last.
// Usage: LOTSA_SERVER_BIN=… LOTSA_SITE_ROOT=… node scripts/bench-device-sync.mjs

import { startServer, withPage, signIn, waitForSynced, deviceData } from "../tests/e2e/harness.mjs";
import { SLOW_LINK } from "./pages.mjs";

function watchRecordWrites() {
  window.__recordWrites = [];
  const open = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
    const transaction = open.call(this, stores, mode, ...rest);
    const names = Array.isArray(stores) ? stores : [stores];
    if (mode === "readwrite" && names.includes("records")) {
      const started = performance.now();
      transaction.addEventListener("complete", () =>
        window.__recordWrites.push(performance.now() - started),
      );
    }
    return transaction;
  };
}

async function measure(server, username, link) {
  let figures;
  await withPage(async (page) => {
    await page.addInitScript(watchRecordWrites);
    if (link) {
      const client = await page.context().newCDPSession(page);
      await client.send("Network.enable");
      await client.send("Network.emulateNetworkConditions", link);
    }
    // From the first sync request on: the sync itself, without signing in (the password's
    // deliberately slow hash) and loading the app.
    let firstSync;
    page.on("request", (request) => {
      if (firstSync === undefined && new URL(request.url()).pathname === "/api/v1/sync") {
        firstSync = Date.now();
      }
    });
    const started = Date.now();
    await signIn(page, server, username);
    await waitForSynced(page);
    const finished = Date.now();
    figures = {
      wall: finished - started,
      sync: firstSync === undefined ? undefined : finished - firstSync,
      records: (await deviceData(page)).records,
      writes: await page.evaluate(() => window.__recordWrites),
    };
  });
  if (figures.records === 0 || figures.writes.length === 0) {
    throw new Error(`${username}: nothing was written to IndexedDB (${figures.records} records)`);
  }
  const total = figures.writes.reduce((sum, ms) => sum + ms, 0);
  console.log(
    `${(link ? "slow link" : "loopback").padEnd(10)} ${username.padEnd(14)} ` +
      `${String(figures.records).padStart(6)} records in ` +
      `${figures.writes.length} transactions: IndexedDB write ${total.toFixed(0)} ms ` +
      `(${((total / figures.records) * 1000).toFixed(0)} µs per record, ` +
      `largest transaction ${Math.max(...figures.writes).toFixed(0)} ms); ` +
      `first sync ${figures.sync} ms; sign-in to synced ${figures.wall} ms`,
  );
}

const server = await startServer({ LOTSA_DEMO: "true" });
try {
  for (const link of [null, SLOW_LINK]) {
    for (const username of ["projektledare", "handlaggare1"]) await measure(server, username, link);
  }
} finally {
  await server.stop();
}
