// Nothing a user records on the phone is lost or doubled: not by a reload, not by closing
// the browser, not by a server that dies mid-sync. And the user is told when the server
// refused a change or someone else's change replaced theirs.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import {
  startServer,
  withPage,
  openProfile,
  newProfileDir,
  apiAs,
  waitForHydration,
  signIn,
  waitForSynced,
  waitUntilSent,
  recordsOnServer,
  openForm,
  serviceWorkerReady,
  toCaseload,
} from "./harness.mjs";

let server;
before(async () => {
  server = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await server?.stop(), 0, server?.output());
});

const offlineNoise = (errors) =>
  errors.filter((e) => !e.includes("ERR_INTERNET_DISCONNECTED") && !e.includes("Failed to load resource"));

/** Opens the first participant of the caseload and returns their id. */
async function openFirstParticipant(page) {
  await toCaseload(page);
  const first = page.getByTestId("caseload").locator("a").first();
  await first.waitFor();
  await first.click();
  await page.getByTestId("participant-name").waitFor();
  return new URL(page.url()).searchParams.get("p");
}

async function recordCheckIn(page, note) {
  await openForm(page, "check-in");
  await page.fill("[data-testid=check-in-form] textarea[name=notes]", note);
  await page.click("[data-testid=check-in-form] button[type=submit]");
  await page.getByTestId("timeline").locator("li", { hasText: note }).waitFor();
}

function unsent(page, note) {
  return page.getByTestId("timeline").locator("li", { hasText: note }).getByTestId("unsent").count();
}

/** The check-ins with these notes on the server, as the project leader finds them. */
async function checkInsOnServer(participant, note) {
  const records = await recordsOnServer(server, participant);
  return records.filter((record) => record.kind === "check_in" && record.data.notes === note);
}

/** The demo employment officer linked to this participant. */
async function officerOf(participant) {
  for (const username of ["arbetsformedlare1", "arbetsformedlare2"]) {
    const api = await apiAs(server, username);
    const status = (await api.get(`/api/v1/participants/${participant}/records`)).status();
    await api.dispose();
    if (status === 200) return username;
  }
  throw new Error(`no employment officer sees ${participant}`);
}

test("an offline check-in survives a reload and a browser restart, arrives once, and the employment officer sees it", async () => {
  const profile = newProfileDir();
  try {
    let context = await openProfile(profile);
    let page = await context.newPage();
    await signIn(page, server, "handlaggare3");
    await waitForSynced(page);
    const participant = await openFirstParticipant(page);

    await serviceWorkerReady(page);
    await context.setOffline(true);
    const note = `Besök i källaren utan täckning ${Date.now()}`;
    await recordCheckIn(page, note);
    assert.equal(await unsent(page, note), 1, "marked as not yet sent");
    await page.reload();
    await waitForHydration(page);
    await page.getByTestId("timeline").locator("li", { hasText: note }).waitFor();
    assert.equal(await unsent(page, note), 1, "still there and unsent after a reload");

    // The phone's browser is closed and opened again, still without a network.
    await context.close();
    context = await openProfile(profile, { offline: true });
    page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/caseload?p=${participant}`);
    await waitForHydration(page);
    await page.getByTestId("timeline").locator("li", { hasText: note }).waitFor();
    assert.equal(await unsent(page, note), 1, "still there and unsent in the new browser");
    assert.match(await page.getByTestId("pending-count").textContent(), /1/);

    await context.setOffline(false);
    await waitUntilSent(page, note);
    assert.equal((await checkInsOnServer(participant, note)).length, 1, "exactly once on the server");
    assert.deepEqual(errors, []);
    await context.close();

    // The employment officer linked to the participant sees it after their sync.
    const officer = await officerOf(participant);
    await withPage(async (officerPage) => {
      await signIn(officerPage, server, officer);
      await waitForSynced(officerPage);
      await officerPage.goto(`${server.url}/caseload?p=${participant}`);
      await waitForHydration(officerPage);
      await officerPage.getByTestId("timeline").locator("li", { hasText: note }).waitFor();
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});

test("the server is killed while a sync is in flight; after the restart the change arrives exactly once", async () => {
  await withPage(async (page) => {
    await signIn(page, server, "handlaggare4");
    await waitForSynced(page);
    const participant = await openFirstParticipant(page);
    let killed = false;
    let answerLost = false;
    await page.route("**/api/v1/sync", async (route) => {
      const body = route.request().postDataJSON();
      if (!killed && body.mutations.length > 0) {
        killed = true;
        // The server commits the check-in and answers, then dies before the answer
        // reaches the phone.
        await route.fetch();
        await server.kill();
        await route.abort("connectionreset");
        answerLost = true;
        return;
      }
      await route.continue();
    });
    const note = `Avstämning när servern föll ${Date.now()}`;
    await recordCheckIn(page, note);
    for (let attempt = 0; attempt < 100 && !answerLost; attempt++) await page.waitForTimeout(100);
    assert.ok(answerLost, "the sync reached the server, which died before answering");
    assert.equal(await unsent(page, note), 1, "no answer, so still unsent");

    await server.restart();
    // The device retries on its own, a few seconds later.
    await waitUntilSent(page, note);
    assert.equal((await checkInsOnServer(participant, note)).length, 1, "applied once, not twice");
  });
});

test("a change replaced by someone else's is shown to its author until dismissed", async () => {
  await withPage(async (page) => {
    await signIn(page, server, "handlaggare1");
    await waitForSynced(page);
    const participant = await openFirstParticipant(page);
    const name = await page.getByTestId("participant-name").textContent();
    const note = `Coachens version ${Date.now()}`;
    await recordCheckIn(page, note);
    await waitUntilSent(page, note);
    const [mine] = await checkInsOnServer(participant, note);

    // The employment officer saves the same check-in from a device that never saw it.
    const officer = await apiAs(server, await officerOf(participant));
    const theirs = `AF:s version ${Date.now()}`;
    const answer = await officer.post("/api/v1/sync", {
      data: {
        client_id: crypto.randomUUID(),
        cursor: null,
        mutations: [{ id: 1, name: "check_in.save", args: { ...mine.data, notes: theirs } }],
      },
    });
    assert.equal((await answer.json()).results[0].status, "applied");
    await officer.dispose();

    await page.reload();
    await waitForHydration(page);
    const notice = page.getByTestId("replaced");
    await notice.waitFor();
    // It names whose check-in it was.
    assert.ok(
      (await notice.textContent()).includes(`Din ändring av avstämningen för ${name} ersattes`),
      await notice.textContent(),
    );
    await page.getByTestId("timeline").locator("li", { hasText: theirs }).waitFor();
    await notice.getByTestId("dismiss-notice").click();
    await notice.waitFor({ state: "detached" });
    await page.reload();
    await waitForHydration(page);
    await waitForSynced(page);
    assert.equal(await page.getByTestId("replaced").count(), 0, "dismissed for good");
  });
});

test("a change the server refuses says why and can be discarded", async () => {
  await withPage(async (page, errors, context) => {
    await signIn(page, server, "handlaggare2");
    await waitForSynced(page);
    const participant = await openFirstParticipant(page);

    await serviceWorkerReady(page);
    await context.setOffline(true);
    const note = `Skrivet efter överlämningen ${Date.now()}`;
    await recordCheckIn(page, note);

    // Meanwhile the project leader hands the participant over to another case manager.
    const leader = await apiAs(server, "projektledare");
    const path = `/api/v1/records/participant/${participant}`;
    const record = await (await leader.get(path)).json();
    const others = (await (await leader.get("/api/v1/participants")).json())
      .map((p) => p.case_manager_id ?? p.data?.case_manager_id)
      .filter((id) => id && id !== record.data.case_manager_id);
    assert.ok(others.length > 0, "another case manager to hand over to");
    const handedOver = await leader.put(path, { data: { ...record.data, case_manager_id: others[0] } });
    assert.equal(handedOver.status(), 200, await handedOver.text());
    await leader.dispose();

    await context.setOffline(false);
    const refused = page.getByTestId("refused");
    await refused.waitFor();
    assert.match(await refused.textContent(), /avstämningen kunde inte sparas/);
    // Why, in Swedish: the server's code, not its English message. A participant handed over
    // is one this user no longer sees, which the server does not tell apart from one that
    // does not exist.
    assert.match(await refused.textContent(), /Något som ändringen hänvisar till finns inte \(längre\)\./);
    assert.doesNotMatch(await refused.textContent(), /does not exist/);
    assert.equal(await page.getByTestId("pending-count").count(), 0, "nothing waits any more");
    assert.equal((await checkInsOnServer(participant, note)).length, 0, "nothing was stored");
    await refused.getByTestId("dismiss-notice").click();
    await refused.waitFor({ state: "detached" });
    await page.reload();
    await waitForHydration(page);
    await waitForSynced(page);
    assert.equal(await page.getByTestId("refused").count(), 0, "discarded for good");
    assert.deepEqual(offlineNoise(errors), []);
  });
});
