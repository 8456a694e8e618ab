// The participant's start page on a 360 px phone: signing in lands on the schedule, which the
// server renders whole, with no app code to download.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, withPage, openSignIn, screenshot, DEMO_PASSWORD, PHONE } from "./harness.mjs";

let demo;
before(async () => {
  demo = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await demo?.stop(), 0, demo?.output());
});

test("a participant signs in to their schedule: no app code, readable on a phone, a calendar link a tap away", async () => {
  await withPage(async (page, errors) => {
    const code = [];
    page.on("request", (request) => {
      if (/\.(wasm|js)$/.test(new URL(request.url()).pathname)) code.push(request.url());
    });
    await openSignIn(page, demo);
    await page.fill("input[name=username]", "deltagare");
    await page.fill("input[name=password]", DEMO_PASSWORD);
    await page.click("[data-testid=login-form] button[type=submit]");
    await page.waitForURL(`${demo.url}/schedule`);

    assert.match(await page.getByTestId("schedule-greeting").textContent(), /^Hej .+!$/);
    assert.match(await page.getByTestId("schedule-updated").textContent(), /^Uppdaterat \d\d:\d\d$/);
    const items = page.getByTestId("schedule").locator(".agenda-item");
    assert.ok((await items.count()) > 0, "the demo participant has something planned");
    assert.match(await items.first().locator(".agenda-time").textContent(), /^\d\d:\d\d–\d\d:\d\d$/);
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
    await screenshot(page, "schedule");

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
