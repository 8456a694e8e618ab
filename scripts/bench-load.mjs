// How long each page takes to become usable on a slow phone, Lighthouse-style: headless
// Chromium with the CPU slowed down 4× and a 1.6 Mbit/s link with 150 ms latency (the
// DevTools protocol's network emulation), a cold cache and no service worker, as a phone
// opens the page for the first time.
//
// Printed per page, in milliseconds from the start of the navigation:
//   first paint    the first contentful paint (the server-rendered page)
//   usable         the page hydrated and showing what it is for (scripts/pages.mjs)
//   interactive    Lighthouse's time to interactive, approximated: the end of the last long
//                  task (over 50 ms on the main thread) before 5 s without one, and not before
//                  first paint. Lighthouse also waits for the network to go quiet; this does
//                  not, as the app's background sync may make a request at any time.
// Each page is loaded RUNS times; the median is printed. Figures, not assertions: they vary
// with the machine.
//
// Usage: node scripts/bench-load.mjs
// Environment: LOTSA_SERVER_BIN, LOTSA_SITE_ROOT (as for the end-to-end tests).

import { startServer, withPage } from "../tests/e2e/harness.mjs";
import { PAGES, SLOW_LINK as LINK } from "./pages.mjs";

const RUNS = 3;
const CPU_SLOWDOWN = 4;
const QUIET_MS = 5_000;

/** Records the page's long tasks from its first script on, for `interactive`. */
function recordLongTasks() {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push(entry.startTime + entry.duration);
  }).observe({ type: "longtask", buffered: true });
}

async function measureOnce(spec, server) {
  let figures;
  await withPage(async (page, _errors, context) => {
    if (spec.prepare) await spec.prepare(page, server);
    const fresh = await context.newPage();
    await fresh.addInitScript(recordLongTasks);
    const client = await context.newCDPSession(fresh);
    await client.send("Network.enable");
    await client.send("Network.setCacheDisabled", { cacheDisabled: true });
    await client.send("Network.setBypassServiceWorker", { bypass: true });
    await client.send("Network.emulateNetworkConditions", LINK);
    await client.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    await spec.open(fresh, server);
    const usable = await fresh.evaluate(() => performance.now());
    // Watched until the main thread has had QUIET_MS without a long task (at most a minute).
    await fresh.waitForFunction(
      (quiet) => performance.now() - Math.max(0, ...window.__longTasks) >= quiet,
      QUIET_MS,
      { polling: 250, timeout: 60_000 },
    );
    figures = await fresh.evaluate((usable) => {
      const paint = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? 0;
      return { paint, usable, interactive: Math.max(paint, ...window.__longTasks) };
    }, usable);
  });
  return figures;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const server = await startServer({ LOTSA_DEMO: "true" });
try {
  console.log(
    `CPU ${CPU_SLOWDOWN}× slower, ${LINK.downloadThroughput * 8 / 1024 / 1024} Mbit/s down, ` +
      `${LINK.latency} ms latency, cold cache; median of ${RUNS} loads (ms)\n`,
  );
  console.log(`${"page".padEnd(62)} ${"first paint".padStart(11)} ${"usable".padStart(8)} ${"interactive".padStart(11)}`);
  for (const spec of PAGES) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) runs.push(await measureOnce(spec, server));
    const row = ["paint", "usable", "interactive"].map((key) => Math.round(median(runs.map((r) => r[key]))));
    console.log(
      `${spec.name.padEnd(62)} ${String(row[0]).padStart(11)} ${String(row[1]).padStart(8)} ${String(row[2]).padStart(11)}`,
    );
  }
} finally {
  await server.stop();
}
