// Signing in (with the demo accounts in demo mode) and accepting an invite, in the browser.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, withPage, waitForHydration } from "./harness.mjs";

let demo;
let plain;
before(async () => {
  demo = await startServer({ LOTSA_DEMO: "true" });
  plain = await startServer();
});
after(async () => {
  assert.equal(await demo?.stop(), 0, demo?.output());
  assert.equal(await plain?.stop(), 0, plain?.output());
});

async function signedInUser(page) {
  return page.evaluate(async () => {
    const response = await fetch("/api/v1/me");
    return response.ok ? response.json() : null;
  });
}

test("in demo mode the login page lists one account per role, and signing in works", async () => {
  await withPage(async (page, errors) => {
    await page.goto(`${demo.url}/login`);
    await waitForHydration(page);
    const accounts = page.getByTestId("demo-logins").locator("li");
    assert.equal(await accounts.count(), 5);
    const text = await page.getByTestId("demo-logins").textContent();
    for (const role of ["Projektledare", "Coach", "Arbetsförmedlare", "Handledare", "Deltagare"]) {
      assert.ok(text.includes(role), `${role} is listed: ${text}`);
    }

    await page.fill("input[name=username]", "handlaggare1");
    await page.fill("input[name=password]", "fel lösenord igen");
    await page.click("button[type=submit]");
    await page.getByTestId("form-error").waitFor();
    assert.match(await page.getByTestId("form-error").textContent(), /Fel användarnamn eller lösenord/);

    await accounts.filter({ hasText: "handlaggare1" }).locator("button").click();
    assert.equal(await page.inputValue("input[name=username]"), "handlaggare1");
    await page.click("button[type=submit]");
    await page.waitForURL(`${demo.url}/`);
    const me = await signedInUser(page);
    assert.equal(me.username, "handlaggare1");
    assert.deepEqual(me.roles, ["case_manager"]);
    // The refused sign-in is the only failed request.
    assert.deepEqual(errors.filter((e) => !e.includes("status of 401")), []);
  });
});

test("outside demo mode the login page lists no accounts", async () => {
  await withPage(async (page) => {
    const response = await page.goto(`${plain.url}/login`);
    assert.equal(response.status(), 200);
    await waitForHydration(page);
    assert.equal(await page.locator("h1").textContent(), "Logga in");
    assert.equal(await page.getByTestId("demo-logins").count(), 0);
  });
});

test("an invited participant opens the link, chooses a password and is signed in", async () => {
  // The case manager invites someone in their caseload who cannot sign in yet.
  let link;
  await withPage(async (page) => {
    await page.goto(`${demo.url}/login`);
    const login = await page.request.post(`${demo.url}/api/v1/auth/login`, {
      data: { username: "handlaggare1", password: "demo-lotsa-2026" },
    });
    assert.equal(login.status(), 200);
    const participants = await (await page.request.get(`${demo.url}/api/v1/participants`)).json();
    const invitable = participants.find((p) => !p.data.user_id);
    assert.ok(invitable, "someone in the caseload has no account yet");
    const invite = await page.request.post(`${demo.url}/api/v1/invites`, {
      data: { role: "participant", id: invitable.id },
    });
    assert.equal(invite.status(), 201);
    link = (await invite.json()).link;
  });

  await withPage(async (page, errors) => {
    await page.goto(`${demo.url}${link}`);
    await waitForHydration(page);
    assert.equal(await page.locator("h1").textContent(), "Välkommen – skapa ditt konto");
    assert.ok((await page.inputValue("input[name=code]")).length > 0, "the link fills in the code");
    await page.fill("input[name=username]", "ny.deltagare");
    await page.fill("input[name=password]", "ett långt lösenord");
    await page.click("button[type=submit]");
    await page.waitForURL(`${demo.url}/`);
    const me = await signedInUser(page);
    assert.equal(me.username, "ny.deltagare");
    assert.deepEqual(me.roles, ["participant"]);

    // The same link a second time says it has been used.
    await page.goto(`${demo.url}${link}`);
    await waitForHydration(page);
    await page.fill("input[name=username]", "ny.deltagare2");
    await page.fill("input[name=password]", "ett långt lösenord");
    await page.click("button[type=submit]");
    await page.getByTestId("form-error").waitFor();
    assert.match(await page.getByTestId("form-error").textContent(), /redan använts/);
    assert.deepEqual(errors.filter((e) => !e.includes("status of 410")), []);
  });
});
