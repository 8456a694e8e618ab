// The participant's start page on a 360 px phone: signing in lands on the schedule, which the
// server renders whole, with no app code to download.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  withPage,
  openSignIn,
  screenshot,
  accessibilityViolations,
  eventually,
  apiAs,
  openCaseload,
  DEMO_PASSWORD,
  PHONE,
} from "./harness.mjs";

async function signInAsParticipant(page) {
  await openSignIn(page, demo);
  await page.fill("input[name=username]", "deltagare");
  await page.fill("input[name=password]", DEMO_PASSWORD);
  await page.click("[data-testid=login-form] button[type=submit]");
  await page.waitForURL(`${demo.url}/schedule`);
}

/** Waits until a service worker controls the page, and says which script it runs. */
async function controlledBy(page) {
  return page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve));
    }
    return navigator.serviceWorker.controller.scriptURL;
  });
}

/** The demo participant's record (as they see it) and their case manager's user name. */
async function demoParticipant() {
  const participantApi = await apiAs(demo, "deltagare");
  const [me] = await (await participantApi.get("/api/v1/participants")).json();
  await participantApi.dispose();
  for (const username of ["handlaggare1", "handlaggare2", "handlaggare3", "handlaggare4"]) {
    const api = await apiAs(demo, username);
    const id = (await (await api.get("/api/v1/session")).json()).user.id;
    await api.dispose();
    if (id === me.data.case_manager_id) return { me, caseManager: username };
  }
  throw new Error("the demo participant has no demo case manager");
}

let demo;
before(async () => {
  demo = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await demo?.stop(), 0, demo?.output());
});

test("a participant signs in to their schedule: no app code, readable on a phone, a calendar link a tap away", async () => {
  await withPage(async (page, errors) => {
    // Its one script (which lets it open offline) aside, no code is fetched.
    const code = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (/\.(wasm|js)$/.test(path) && !["/static-pages.js", "/sw.js"].includes(path)) code.push(request.url());
    });
    await signInAsParticipant(page);

    assert.match(await page.getByTestId("schedule-greeting").textContent(), /^Hej .+!$/);
    assert.match(await page.getByTestId("schedule-updated").textContent(), /^Uppdaterat \d\d:\d\d$/);
    const items = page.getByTestId("schedule").locator(".agenda-item");
    assert.ok((await items.count()) > 0, "the demo participant has something planned");
    assert.match(await items.first().locator(".agenda-time").textContent(), /^\d\d:\d\d–\d\d:\d\d$/);
    const icons = await items.evaluateAll((all) =>
      all.map((item) => {
        const icon = getComputedStyle(item.querySelector(".agenda-what"), "::before");
        return { kind: item.dataset.kind, mask: icon.maskImage, shown: parseFloat(icon.width) > 0 };
      }),
    );
    for (const { kind, mask, shown } of icons) {
      assert.ok(mask.startsWith('url("data:image/svg+xml') && shown, `${kind} has its icon`);
    }
    const firstDay = await page.getByTestId("schedule").locator("h2 time").first();
    assert.match(await firstDay.getAttribute("datetime"), /^\d{4}-\d\d-\d\d$/);
    assert.doesNotMatch(await firstDay.textContent(), /\d{4}-/, "days in words, not ISO dates");
    const call = page.getByTestId("my-case-manager").locator("a[href^='tel:']");
    assert.equal(await call.count(), 1, "the case manager is a tap away");

    // Fits the phone: nothing scrolls sideways, every target is big enough to tap.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `page is ${width} px wide`);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll("a, button")]
        .filter((element) => element.getClientRects().length > 0 && !element.classList.contains("skip-link"))
        .map((element) => ({ text: element.textContent.trim(), box: element.getBoundingClientRect() }))
        .filter(({ box }) => box.width < 44 || box.height < 44)
        .map(({ text, box }) => `${text}: ${box.width}x${box.height}`),
    );
    assert.deepEqual(small, []);
    assert.deepEqual(await accessibilityViolations(page), [], "WCAG 2.1 AA in Swedish");
    await screenshot(page, "schedule");

    // In Arabic: the page turns right to left and still fits the phone.
    await page.getByTestId("languages").locator("summary").click();
    await page.getByTestId("languages").locator("a[lang=ar]").click();
    await page.waitForURL(`${demo.url}/schedule`);
    assert.equal(await page.locator("html").getAttribute("lang"), "ar");
    assert.equal(await page.locator("html").getAttribute("dir"), "rtl");
    assert.match(await page.getByTestId("schedule-greeting").textContent(), /^مرحباً .+!$/);
    const mirrored = await page.locator(".agenda-item").first().evaluate((item) => {
      const style = getComputedStyle(item);
      return parseFloat(style.borderRightWidth) > 0 && parseFloat(style.borderLeftWidth) === 0;
    });
    assert.ok(mirrored, "each day's colour bar is on the right, where the line starts");
    const time = items.first().locator(".agenda-time");
    assert.match(await time.textContent(), /^\d\d:\d\d–\d\d:\d\d$/);
    assert.equal(await time.getAttribute("dir"), "ltr", "a time range reads left to right, from its start");
    const rtlWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(rtlWidth <= PHONE.width, `page is ${rtlWidth} px wide in Arabic`);
    assert.deepEqual(await accessibilityViolations(page), [], "WCAG 2.1 AA in Arabic");
    await screenshot(page, "schedule-arabic");
    await page.getByTestId("languages").locator("summary").click();
    await page.getByTestId("languages").locator("a[lang=sv]").click();
    await page.waitForURL(`${demo.url}/schedule`);

    await page.getByTestId("calendar-make").click();
    const url = await page.getByTestId("calendar-url").textContent();
    assert.ok(url.startsWith(`${demo.url}/api/v1/calendar/`), url);
    assert.equal(await page.getByTestId("calendar-subscribe").getAttribute("href"), url.replace(/^http/, "webcal"));
    const feed = await fetch(url);
    assert.equal(feed.status, 200);
    assert.match(await feed.text(), /BEGIN:VEVENT/);

    assert.deepEqual(code, [], "the participant's pages load none of the app's code");
    await page.getByTestId("sign-out").click();
    await page.waitForURL(`${demo.url}/login`);
    assert.deepEqual(errors, []);
  });
});

test("after one visit online the schedule opens offline, and signing out forgets it", async () => {
  await withPage(async (page, errors, context) => {
    const cached = [];
    context.on("request", (request) => {
      if (request.serviceWorker()) cached.push(new URL(request.url()).pathname);
    });
    await signInAsParticipant(page);
    const greeting = await page.getByTestId("schedule-greeting").textContent();
    const updated = await page.getByTestId("schedule-updated").textContent();
    assert.match(await controlledBy(page), /\/sw\.js\?pages$/, "the worker for pages without the app");
    assert.deepEqual(
      cached.filter((path) => /\.wasm$/.test(path)),
      [],
      "the phone is not made to download the app's code",
    );

    await context.setOffline(true);
    await page.reload();
    assert.equal(await page.getByTestId("schedule-greeting").textContent(), greeting);
    assert.equal(await page.getByTestId("schedule-updated").textContent(), updated, "says when it was updated");
    assert.ok((await page.getByTestId("schedule").locator(".agenda-item").count()) > 0);
    await screenshot(page, "schedule-offline");

    // Signing out, even with no network, leaves no one's schedule on the phone.
    await page.getByTestId("sign-out").click();
    await page.waitForURL(/\/login/);
    await page.goto(`${demo.url}/schedule`);
    await page.getByTestId("login-form").waitFor();
    assert.equal(await page.getByTestId("schedule-greeting").count(), 0, "the kept schedule is gone");
    assert.deepEqual(errors.filter((error) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(error)), []);
  });
});

/** The participant's absences starting on `day`, as the server has them. */
async function absencesOn(page, day) {
  const [me] = await (await page.request.get(`${demo.url}/api/v1/participants`)).json();
  const records = await (await page.request.get(`${demo.url}/api/v1/participants/${me.id}/records`)).json();
  return records.filter((record) => record.kind === "absence" && record.data.first_day === day);
}

test("sick today in one tap with no network: the phone keeps it, says so, and sends it once when online", async () => {
  await withPage(async (page, errors, context) => {
    await signInAsParticipant(page);
    await controlledBy(page);
    const today = await page.locator("[data-testid=absence] input[name=first_day]").first().inputValue();
    const before = (await absencesOn(page, today)).length;

    await context.setOffline(true);
    await page.getByTestId("absence-ill-today").click();
    await page.getByTestId("absence-waiting").waitFor();
    assert.match(await page.getByTestId("absence-waiting").textContent(), /Sparad på telefonen/);
    const note = await page.getByTestId("absence-waiting").boundingBox();
    assert.ok(note.y >= 0 && note.y + note.height <= PHONE.height, "the note is on screen, not below it");
    await screenshot(page, "absence-waiting");

    // Signing out now would drop the waiting report from the phone: the page asks first.
    const asked = [];
    page.once("dialog", async (dialog) => {
      asked.push(dialog.message());
      await dialog.dismiss();
    });
    await page.getByTestId("sign-out").click();
    await eventually(async () => asked.length === 1, "the page asks before signing out");
    assert.match(asked[0], /har inte skickats än/);
    assert.equal(new URL(page.url()).pathname, "/schedule", "still signed in, the report still waiting");

    await context.setOffline(false);
    await page.reload();
    const reported = page.getByTestId("absence-reported");
    await reported.waitFor();
    assert.ok((await reported.boundingBox()).y < PHONE.height, "the answer is on screen");
    assert.match(await reported.textContent(), /I dag: Sjuk · skickad/);
    assert.equal(await page.getByTestId("absence-waiting").isVisible(), false);
    await page.reload();
    const after = await absencesOn(page, today);
    assert.equal(after.length, before + 1, "reached the server once");
    assert.equal(after.at(-1).data.reason, "ill");
    assert.deepEqual(errors.filter((error) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(error)), []);
  });

  // The participant's case manager sees it in the caseload's attention list.
  const { me, caseManager } = await demoParticipant();
  await withPage(async (page) => {
    await openCaseload(page, demo, caseManager);
    const absent = page
      .locator(`[data-testid=caseload] a[data-participant="${me.id}"]`)
      .locator("[data-attention=absent-today]");
    await absent.waitFor();
    await screenshot(page, "caseload-absent-today");
  });
});

test("a session that ends elsewhere leaves no schedule to open offline once the server has said so", async () => {
  await withPage(async (page, errors, context) => {
    await signInAsParticipant(page);
    await controlledBy(page);
    await page.reload();
    await page.getByTestId("schedule-greeting").waitFor();
    // The session ends on the server (signed out on another tab, or expired): the browser's
    // cookies go with this request, which the service worker does not see.
    const ended = await page.request.post(`${demo.url}/api/v1/auth/logout`, {
      headers: { origin: demo.url },
    });
    assert.ok(ended.ok(), `${ended.status()}`);
    await page.goto(`${demo.url}/schedule`);
    await page.getByTestId("login-form").waitFor();

    await context.setOffline(true);
    await page.goto(`${demo.url}/schedule`);
    await page.getByTestId("login-form").waitFor();
    assert.equal(await page.getByTestId("schedule-greeting").count(), 0, "the kept schedule is gone");
    assert.deepEqual(errors.filter((error) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(error)), []);
  });
});

test("a participant's case manager turns off their calendar link from the participant's page", async () => {
  const { me, caseManager } = await demoParticipant();
  const participantApi = await apiAs(demo, "deltagare");
  const made = await participantApi.post("/api/v1/me/calendar");
  assert.equal(made.status(), 201, await made.text());
  const { url } = await made.json();
  await participantApi.dispose();
  assert.equal((await fetch(url)).status, 200, "the link works before");

  await withPage(async (page, errors, context) => {
    await openCaseload(page, demo, caseManager);
    await page.locator(`[data-testid=caseload] a[data-participant="${me.id}"]`).click();
    await page.getByTestId("participant-name").waitFor();
    // Among the page's forms: its code is fetched when it opens.
    await page.getByTestId("open-calendar-link").click();
    const off = page.getByTestId("calendar-off");
    // Offline the server cannot be asked: the button waits for the network and says why.
    await context.setOffline(true);
    await eventually(async () => await off.isDisabled(), "the button waits for a network");
    const said = page.getByTestId("calendar-off-said");
    await said.filter({ hasText: "anslut till nätet först" }).waitFor();
    await context.setOffline(false);
    await eventually(async () => await off.isEnabled(), "the button is back with the network");
    await off.click();
    await said.filter({ hasText: "Kalenderlänken är avstängd" }).waitFor();
    await said.scrollIntoViewIfNeeded();
    await screenshot(page, "calendar-link-off");
    assert.equal((await fetch(url)).status, 404, "the turned-off link answers 404");
    assert.deepEqual(errors.filter((error) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(error)), []);
  });

  // Someone else's case manager is refused, and the access is not theirs to create.
  const stranger = ["handlaggare1", "handlaggare2", "handlaggare3", "handlaggare4"].find((name) => name !== caseManager);
  const api = await apiAs(demo, stranger);
  const refused = await api.delete(`/api/v1/participants/${me.id}/calendar`);
  assert.ok([403, 404].includes(refused.status()), `another case manager got ${refused.status()}`);
  await api.dispose();
});
