// Screens loaded on demand: the caseload's and a participant's code are chunks of their own
// (`cargo leptos build --split`). A page fetches only the chunks it shows, every chunk still
// opens offline after one visit (also on a hard reload), and a chunk that cannot be fetched
// says so and can be tried again instead of stopping the app.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  withPage,
  waitForHydration,
  openCaseload,
  openForm,
  serviceWorkerReady,
  onlineErrors,
  openSignIn,
} from "./harness.mjs";

let server;
before(async () => {
  server = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await server?.stop(), 0, server?.output());
});

/** The split chunks (`split_<screen>.<hash>.wasm`) the page fetched from now on, by screen. */
function watchChunks(page) {
  const fetched = new Set();
  page.on("request", (request) => {
    const match = new URL(request.url()).pathname.match(/^\/pkg\/split_([a-z_]+)\./);
    if (match) fetched.add(match[1]);
  });
  return fetched;
}

test("each screen's and form's chunk is fetched when it first shows, and opens offline on a hard reload", async () => {
  await withPage(async (page, errors, context) => {
    const chunks = watchChunks(page);
    await openSignIn(page, server);
    assert.deepEqual([...chunks], [], "the sign-in page needs no screen's chunk");

    const links = await openCaseload(page, server, "handlaggare1");
    assert.deepEqual([...chunks], ["caseload"], "the caseload's chunk came with the caseload, and nothing else");
    const href = await links.first().getAttribute("href");
    await links.first().click();
    await page.getByTestId("participant-name").waitFor();
    assert.ok(chunks.has("participant"), "the participant's chunk came with their page");
    assert.ok(!chunks.has("check_in") && !chunks.has("journal"), "no form is fetched before it is opened");
    await openForm(page, "check-in");
    assert.ok(chunks.has("check_in"), "the check-in's chunk came when the form opened");

    await serviceWorkerReady(page);
    await context.setOffline(true);
    // A form never opened online comes from the service worker's copy.
    await openForm(page, "contact");
    for (const path of [href, "/caseload"]) {
      await page.goto(`${server.url}${path}`);
      await waitForHydration(page);
      const shown = path === "/caseload" ? page.getByTestId("caseload") : page.getByTestId("participant-name");
      await shown.waitFor();
      assert.equal(await page.getByTestId("screen-unavailable").count(), 0);
    }
    await context.setOffline(false);
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("a screen whose chunk cannot be fetched says so, and comes up when tried again", async () => {
  // No service worker, so nothing is precached: as on a first visit while the network drops.
  await withPage(
    async (page, errors) => {
      const links = await openCaseload(page, server, "handlaggare1");
      const participantChunk = /\/pkg\/split_participant\./;
      await page.route(participantChunk, (route) => route.abort("internetdisconnected"));
      await links.first().click();
      const unavailable = page.getByTestId("screen-unavailable");
      await unavailable.waitFor();
      assert.match(await unavailable.textContent(), /kunde inte hämtas/);

      await page.unroute(participantChunk);
      await unavailable.getByRole("button").click();
      await page.getByTestId("participant-name").waitFor();
      assert.equal(await unavailable.count(), 0);
      // The app kept running: the caseload link in the sync bar still works.
      await page.getByTestId("caseload-link").click();
      await page.getByTestId("caseload").locator("a").first().waitFor();
      const unexpected = onlineErrors(errors).filter((error) => !error.includes("Failed to fetch"));
      assert.deepEqual(unexpected, []);
    },
    { serviceWorkers: "block" },
  );
});
