// The case manager's main flow on a phone: a workplace check-in recorded with no network.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, withPage, waitForHydration, signIn, waitForSynced, DEMO_PASSWORD } from "./harness.mjs";

let server;
before(async () => {
  server = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await server?.stop(), 0, server?.output());
});

async function unsentMarkers(page, note) {
  return page.getByTestId("timeline").locator("li", { hasText: note }).getByTestId("unsent").count();
}

test("a check-in recorded offline shows at once, survives a reload and reaches the server once", async () => {
  await withPage(async (page, errors, context) => {
    await signIn(page, server, "handlaggare1");
    await waitForSynced(page);
    await page.getByTestId("caseload-link").click();
    const first = page.getByTestId("caseload").locator("a").first();
    await first.waitFor();
    await first.click();
    await page.getByTestId("participant-name").waitFor();
    const participant = new URL(page.url()).searchParams.get("p");
    assert.ok(participant, page.url());

    await context.setOffline(true);
    const note = `Avstämning utan täckning ${Date.now()}`;
    await page.fill("textarea[name=notes]", note);
    await page.click("[data-testid=check-in-form] button[type=submit]");
    const entry = page.getByTestId("timeline").locator("li", { hasText: note });
    await entry.waitFor();
    assert.equal(await unsentMarkers(page, note), 1, "marked as not yet sent");
    assert.match(await page.getByTestId("pending-count").textContent(), /1/);

    await page.reload();
    await waitForHydration(page);
    await page.getByTestId("timeline").locator("li", { hasText: note }).waitFor();
    assert.equal(await unsentMarkers(page, note), 1, "still there and still unsent after a reload");

    await context.setOffline(false);
    for (let attempt = 0; attempt < 100 && (await unsentMarkers(page, note)) > 0; attempt++) {
      await page.waitForTimeout(200);
    }
    assert.equal(await unsentMarkers(page, note), 0, "sent once the network is back");

    // The project leader, signed in elsewhere, finds exactly one such check-in.
    const leader = await context.browser()?.newContext() ?? null;
    const api = leader ? leader.request : page.request;
    const login = await api.post(`${server.url}/api/v1/auth/login`, {
      data: { username: "projektledare", password: DEMO_PASSWORD },
    });
    assert.equal(login.status(), 200);
    const records = await (await api.get(`${server.url}/api/v1/participants/${participant}/records`)).json();
    const copies = records.filter((record) => record.kind === "check_in" && record.data.notes === note);
    assert.equal(copies.length, 1, "exactly once on the server");
    await leader?.close();
    assert.deepEqual(
      errors.filter((e) => !e.includes("ERR_INTERNET_DISCONNECTED")),
      [],
    );
  });
});

test("an invalid check-in is refused on the phone and keeps what was typed", async () => {
  await withPage(async (page) => {
    await signIn(page, server, "handlaggare2");
    await waitForSynced(page);
    await page.goto(`${server.url}/caseload`);
    await waitForHydration(page);
    const first = page.getByTestId("caseload").locator("a").first();
    await first.waitFor();
    await first.click();
    await page.getByTestId("participant-name").waitFor();
    await page.fill("textarea[name=notes]", "Ringklocka \u0007 i texten");
    await page.click("[data-testid=check-in-form] button[type=submit]");
    await page.getByTestId("check-in-error").waitFor();
    assert.match(await page.getByTestId("check-in-error").textContent(), /notes/);
    assert.equal(await page.inputValue("textarea[name=notes]"), "Ringklocka \u0007 i texten");
    assert.equal(await page.getByTestId("pending-count").count(), 0, "nothing was queued");
  });
});
