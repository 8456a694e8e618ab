// What each page loads before it is usable, as served with brotli: every file of the build it
// fetched (wasm and the chunks of the screens it shows, JS, CSS, and the stylesheet and script
// of the pages served without the app's code; a form's chunk comes when the form is opened,
// and is shown apart; data from /api/ is not code, and icons, the manifest and the service
// worker are not needed to use the page), measured in headless Chromium against a demo server.
// Files are counted at brotli quality 11, as the server's precompressed copies are.
//
// Each page has a budget and a recorded size (scripts/size-budgets.json). With --check a
// page fails when it is over its budget and heavier than recorded: a ratchet that lets a page
// only get lighter while the work towards its budget goes on. --record writes the sizes
// measured now wherever they are lower than the recorded ones (never higher).
// The ratchet allows RATCHET_SLACK_BYTES above the record: two builds of one commit differ by
// up to about 200 B (a CI checkout at another path no longer adds to that: the Makefile maps
// source paths in the bundle to short ones).
//
// Usage: node scripts/bundle-size.mjs [--check | --record]
// Environment: LOTSA_SERVER_BIN, LOTSA_SITE_ROOT (as for the end-to-end tests).

import { readFileSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants } from "node:zlib";
import { startServer, withPage } from "../tests/e2e/harness.mjs";
import { PAGES } from "./pages.mjs";

const BUDGETS_FILE = new URL("./size-budgets.json", import.meta.url);
const mode = process.argv[2] ?? "";
if (!["", "--check", "--record"].includes(mode)) {
  console.error("usage: node scripts/bundle-size.mjs [--check | --record]");
  process.exit(2);
}

function brotli(bytes) {
  return brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 },
  }).length;
}

/**
 * Counts the build's files (wasm and its chunks, JS, CSS) that `page` fetches from now on,
 * however the browser fetched them (the wasm is preloaded, which Chromium files under
 * "other"); `total()` sums them once the page is usable. The page's own HTML is shown but not
 * counted: it is streamed, and how much of it a run renders before the rest varies.
 */
function countLoads(page, server) {
  const loads = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (!url.href.startsWith(server.url)) return;
    const isPage = response.request().resourceType() === "document";
    const file = url.pathname.startsWith("/pkg/") || /\.(css|js)$/.test(url.pathname);
    if (!isPage && (!file || url.pathname === "/sw.js")) return;
    loads.push(
      response
        .body()
        .then((body) => ({ path: url.pathname + url.search, bytes: brotli(body), counted: !isPage })),
    );
  });
  return async () => {
    const files = await Promise.all(loads);
    const bytes = files.filter((file) => file.counted).reduce((sum, file) => sum + file.bytes, 0);
    return { files, bytes };
  };
}

const budgets = JSON.parse(readFileSync(BUDGETS_FILE, "utf8"));
const server = await startServer({ LOTSA_DEMO: "true" });
const measured = {};
const extras = {};
try {
  for (const spec of PAGES) {
    // A fresh profile per page, and the page's own load counted from a cold cache: what a
    // phone downloads the first time it opens the page.
    await withPage(async (page, _errors, context) => {
      if (spec.prepare) await spec.prepare(page, server);
      const fresh = await context.newPage();
      const client = await context.newCDPSession(fresh);
      await client.send("Network.setCacheDisabled", { cacheDisabled: true });
      await client.send("Network.setBypassServiceWorker", { bypass: true });
      const total = countLoads(fresh, server);
      await spec.open(fresh, server);
      measured[spec.name] = await total();
      if (spec.extra) {
        await spec.extra.open(fresh);
        extras[spec.name] = { name: spec.extra.name, ...(await total()) };
      }
    });
  }
} finally {
  await server.stop();
}

const RATCHET_SLACK_BYTES = 1024;
const kb = (bytes) => (bytes / 1024).toFixed(1);
let failed = false;
for (const [name, { files, bytes }] of Object.entries(measured)) {
  const entry = budgets[name];
  if (!entry) throw new Error(`no budget for ${name} in ${BUDGETS_FILE.pathname}`);
  console.log(`\n${name}`);
  for (const file of files) {
    const note = file.counted ? "" : " (the page's HTML, not counted)";
    console.log(`  ${file.path.padEnd(56)} ${String(file.bytes).padStart(9)}${note}`);
  }
  const budget = entry.budget_kb * 1024;
  const verdict =
    bytes <= budget
      ? "within budget"
      : bytes <= entry.recorded_bytes + RATCHET_SLACK_BYTES
        ? `OVER BUDGET, at or under the recorded ${kb(entry.recorded_bytes)} KB (ratchet, ${RATCHET_SLACK_BYTES} B slack)`
        : `OVER BUDGET and heavier than the recorded ${kb(entry.recorded_bytes)} KB`;
  console.log(`  total (brotli) ${bytes} bytes = ${kb(bytes)} KB; budget ${entry.budget_kb} KB: ${verdict}`);
  const extra = extras[name];
  if (extra) console.log(`  ${extra.name}: ${extra.bytes} bytes = ${kb(extra.bytes)} KB (not budgeted)`);
  if (bytes > budget && bytes > entry.recorded_bytes + RATCHET_SLACK_BYTES) failed = true;
  if (mode === "--record" && bytes < entry.recorded_bytes) entry.recorded_bytes = bytes;
}
if (mode === "--record") {
  writeFileSync(BUDGETS_FILE, `${JSON.stringify(budgets, null, 2)}\n`);
  console.log(`\nrecorded in ${BUDGETS_FILE.pathname}`);
}
if (mode === "--check" && failed) {
  console.error("\na page is heavier than its budget and its recorded size: make it lighter");
  process.exit(1);
}
