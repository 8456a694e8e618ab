// Signing in (with the demo accounts in demo mode) and accepting an invite, in the browser.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, withPage, waitForHydration, openSignIn, serviceWorkerReady } from "./harness.mjs";

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
    const code = [];
    page.on("request", (request) => {
      if (/\.(wasm|js)$/.test(new URL(request.url()).pathname)) code.push(request.url());
    });
    await openSignIn(page, demo);
    assert.deepEqual(code, [], "the sign-in page loads none of the app's code");
    const accounts = page.getByTestId("demo-logins").locator("li");
    assert.equal(await accounts.count(), 5);
    const text = await page.getByTestId("demo-logins").textContent();
    for (const role of ["Projektledare", "Coach", "Arbetsförmedlare", "Handledare", "Deltagare"]) {
      assert.ok(text.includes(role), `${role} is listed: ${text}`);
    }
    // Each row shows the role and the user name apart, neither broken inside a word, and the
    // page offers no link to itself.
    for (const button of await accounts.locator("button").all()) {
      const [role, name] = await Promise.all(
        ["strong", "code"].map((part) =>
          button.locator(part).evaluate((element) => {
            const lines = new Set([...element.getClientRects()].map((rect) => Math.round(rect.top)));
            const box = element.getBoundingClientRect();
            return { lines: lines.size, left: box.left, right: box.right, top: box.top };
          }),
        ),
      );
      const label = await button.textContent();
      assert.equal(role.lines, 1, `the role is on one line: ${label}`);
      assert.equal(name.lines, 1, `the user name is on one line: ${label}`);
      assert.ok(name.top > role.top || name.left >= role.right + 8, `role and name apart: ${label}`);
    }
    assert.equal(await page.getByTestId("sign-in-link").isVisible(), false, "no link to this page");

    await page.fill("input[name=username]", "handlaggare1");
    await page.fill("input[name=password]", "fel lösenord igen");
    await page.click("[data-testid=login-form] button[type=submit]");
    await page.getByTestId("form-error").waitFor();
    assert.match(await page.getByTestId("form-error").textContent(), /Fel användarnamn eller lösenord/);
    assert.equal(new URL(page.url()).pathname, "/login");

    // A demo account signs in with one tap.
    await accounts.filter({ hasText: "handlaggare1" }).locator("button").click();
    await page.waitForURL(`${demo.url}/caseload`);
    await waitForHydration(page);
    await page.getByTestId("caseload").locator("a").first().waitFor();
    const me = await signedInUser(page);
    assert.equal(me.username, "handlaggare1");
    assert.deepEqual(me.roles, ["case_manager"]);
    // The app's address (where the installed app opens) goes on to the caseload too.
    await page.goto(demo.url);
    await page.waitForURL(`${demo.url}/caseload`);
    await page.getByTestId("caseload").locator("a").first().waitFor();
    assert.deepEqual(errors, []);
  });
});

test("the sign-in page signs in with the browser's JavaScript off, and says what went wrong", async () => {
  await withPage(
    async (page) => {
      await openSignIn(page, demo);
      await page.fill("input[name=username]", "handlaggare1");
      await page.fill("input[name=password]", "fel lösenord");
      await page.click("[data-testid=login-form] button[type=submit]");
      await page.waitForURL(`${demo.url}/login?error=wrong`);
      assert.match(await page.getByTestId("form-error").textContent(), /Fel användarnamn eller lösenord/);
      await page.fill("input[name=username]", "handlaggare1");
      await page.fill("input[name=password]", "demo-lotsa-2026");
      await page.click("[data-testid=login-form] button[type=submit]");
      await page.waitForURL(`${demo.url}/caseload`);
      const cookies = (await page.context().cookies()).map((c) => c.name);
      assert.ok(cookies.includes("lotsa_session"), `signed in: ${cookies}`);
    },
    { javaScriptEnabled: false },
  );
});

test("without a network the sign-in page says the server could not be reached", async () => {
  await withPage(async (page, _errors, context) => {
    await page.goto(demo.url);
    await waitForHydration(page);
    await serviceWorkerReady(page);
    await openSignIn(page, demo);
    await context.setOffline(true);
    await page.fill("input[name=username]", "handlaggare1");
    await page.fill("input[name=password]", "demo-lotsa-2026");
    await page.click("[data-testid=login-form] button[type=submit]");
    await page.waitForURL(`${demo.url}/login?error=unreachable`);
    assert.match(await page.getByTestId("form-error").textContent(), /Det gick inte att nå servern/);
    assert.equal(await page.getByTestId("login-form").count(), 1, "the form is there to try again");
  });
});

test("outside demo mode the login page lists no accounts", async () => {
  await withPage(async (page) => {
    const response = await page.goto(`${plain.url}/login`);
    assert.equal(response.status(), 200);
    await page.getByTestId("login-form").waitFor();
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
    await page.click("main button[type=submit]");
    // On to a participant's start page: their schedule.
    await page.waitForURL(`${demo.url}/schedule`);
    await page.getByTestId("schedule-greeting").waitFor();
    const me = await signedInUser(page);
    assert.equal(me.username, "ny.deltagare");
    assert.deepEqual(me.roles, ["participant"]);

    // The same link a second time says it has been used.
    await page.goto(`${demo.url}${link}`);
    await waitForHydration(page);
    await page.fill("input[name=username]", "ny.deltagare2");
    await page.fill("input[name=password]", "ett långt lösenord");
    await page.click("main button[type=submit]");
    await page.getByTestId("form-error").waitFor();
    assert.match(await page.getByTestId("form-error").textContent(), /redan använts/);
    assert.deepEqual(errors.filter((e) => !e.includes("status of 410")), []);
  });
});
