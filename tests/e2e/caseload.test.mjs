// The case manager on a phone: the caseload and what needs attention, a participant's page,
// the workplace check-in recorded with no network, planning a placement, and only their own
// participants. Every page checked with axe-core for WCAG 2.1 AA.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer,
  withPage,
  waitForHydration,
  signIn,
  waitForSynced,
  apiAs,
  accessibilityViolations,
  keptDraft,
  storedValue,
  swedishToday,
  openCaseload,
  waitUntilSent,
  recordsOnServer,
  onlineErrors,
  openForm,
  serviceWorkerReady,
  eventually,
  openSignIn,
  PHONE,
  screenshot,
  toCaseload,
} from "./harness.mjs";

let server;
before(async () => {
  server = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await server?.stop(), 0, server?.output());
});

/** Whether `locator` is inside the phone's screen as it is scrolled now. */
async function onScreen(locator) {
  const box = await locator.boundingBox();
  return box !== null && box.y >= 0 && box.y + box.height <= PHONE.height;
}

async function unsentMarkers(page, note) {
  return page.getByTestId("timeline").locator("li", { hasText: note }).getByTestId("unsent").count();
}

test("a check-in recorded offline shows at once, survives a reload and reaches the server once", async () => {
  await withPage(async (page, errors, context) => {
    await signIn(page, server, "handlaggare1");
    await waitForSynced(page);
    await toCaseload(page);
    const first = page.getByTestId("caseload").locator("a").first();
    await first.waitFor();
    await first.click();
    await page.getByTestId("participant-name").waitFor();
    const participant = new URL(page.url()).searchParams.get("p");
    assert.ok(participant, page.url());

    await serviceWorkerReady(page);
    await context.setOffline(true);
    // The form's code comes from the service worker's copy.
    await openForm(page, "check-in");
    const note = `Avstämning utan täckning ${Date.now()}`;
    await page.fill("[data-testid=check-in-form] textarea[name=notes]", note);
    await page.click("[data-testid=check-in-form] button[type=submit]");
    const entry = page.getByTestId("timeline").locator("li", { hasText: note });
    await entry.waitFor();
    assert.equal(await unsentMarkers(page, note), 1, "marked as not yet sent");
    assert.match(await page.getByTestId("pending-count").textContent(), /1/);
    // The save says so where the user is looking, with what still waits.
    const saved = page.getByTestId("saved");
    assert.equal(await saved.textContent(), "Sparat på telefonen. Det skickas när det finns nät.");
    assert.ok(await onScreen(saved), "the confirmation is on screen without scrolling");
    assert.ok(await onScreen(page.getByTestId("pending-count")), "the waiting count too");
    await screenshot(page, "check-in-saved-offline");

    await page.reload();
    await waitForHydration(page);
    await page.getByTestId("timeline").locator("li", { hasText: note }).waitFor();
    assert.equal(await unsentMarkers(page, note), 1, "still there and still unsent after a reload");

    await context.setOffline(false);
    await waitUntilSent(page, note);
    assert.equal(await unsentMarkers(page, note), 0, "sent once the network is back");

    // The project leader, signed in elsewhere, finds exactly one such check-in.
    const records = await recordsOnServer(server, participant);
    const copies = records.filter((record) => record.kind === "check_in" && record.data.notes === note);
    assert.equal(copies.length, 1, "exactly once on the server");
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("the caseload shows at least five people on the first screen, each with their most urgent need", async () => {
  await withPage(async (page, errors) => {
    const links = await openCaseload(page, server, "handlaggare1");
    const bottoms = await links.evaluateAll((rows) => rows.map((row) => row.getBoundingClientRect().bottom));
    const visible = bottoms.filter((bottom) => bottom <= PHONE.height).length;
    assert.ok(visible >= 5, `${visible} people fit on a 360 x 640 screen`);
    // The header and the sync line take a row each, and stay when the list scrolls.
    const sync = page.getByTestId("sync-bar");
    const before = await sync.boundingBox();
    assert.ok(before.y + before.height <= 110, `the chrome ends at ${before.y + before.height} px`);
    await page.evaluate(() => window.scrollTo(0, 1500));
    await eventually(async () => (await page.evaluate(() => window.scrollY)) > 0, "the list scrolls");
    assert.equal((await sync.boundingBox()).y, before.y, "the sync line stays in place");
    await page.evaluate(() => window.scrollTo(0, 0));
    // One need per line, the most urgent; the rest counted.
    const shown = await page
      .locator("[data-testid=caseload] > li")
      .evaluateAll((lines) =>
        lines.map((line) => [...line.querySelectorAll("[data-attention]")].filter((tag) => tag.checkVisibility()).length),
      );
    assert.ok(shown.every((count) => count <= 1), `tags shown per line: ${shown}`);
    assert.ok(shown.some((count) => count === 1), "some line shows a need");
    await screenshot(page, "caseload");
    await links.first().click();
    await page.getByTestId("participant-name").waitFor();
    await screenshot(page, "participant");
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("a project leader's first sync of the demo shows no notice: they changed nothing that was replaced", async () => {
  await withPage(async (page, errors) => {
    await openCaseload(page, server, "projektledare");
    await waitForSynced(page);
    assert.equal(await page.locator(".notice").count(), 0, "no notices on a fresh device");
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("a double tap on Save records a check-in and a contact once each", async () => {
  await withPage(async (page, errors) => {
    await (await openCaseload(page, server, "handlaggare3")).first().click();
    await page.getByTestId("participant-name").waitFor();
    const participant = new URL(page.url()).searchParams.get("p");

    const note = `Dubbeltryck ${Date.now()}`;
    await openForm(page, "check-in");
    await page.fill("[data-testid=check-in-form] textarea[name=notes]", note);
    await page.dblclick("[data-testid=check-in-form] button[type=submit]");
    await page.getByTestId("timeline").locator("li", { hasText: note }).first().waitFor();

    const summary = `Dubbeltryck på kontakten ${Date.now()}`;
    const contact = await openForm(page, "contact");
    await contact.locator("textarea[name=summary]").fill(summary);
    await contact.locator("button[type=submit]").dblclick();
    await page.getByTestId("timeline").locator("li", { hasText: summary }).first().waitFor();

    await waitUntilSent(page);
    assert.equal(await page.getByTestId("saved").textContent(), "Sparat och skickat.");
    assert.ok(await onScreen(page.getByTestId("saved")), "the confirmation is on screen");
    assert.equal(await page.getByTestId("timeline").locator("li", { hasText: note }).count(), 1);
    assert.equal(await page.getByTestId("timeline").locator("li", { hasText: summary }).count(), 1);
    const records = await recordsOnServer(server, participant);
    const checkIns = records.filter((record) => record.kind === "check_in" && record.data.notes === note);
    const contacts = records.filter((record) => record.kind === "contact" && record.data.summary === summary);
    assert.equal(checkIns.length, 1, "one check-in on the server");
    assert.equal(contacts.length, 1, "one contact on the server");
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("an invalid check-in is refused on the phone and keeps what was typed", async () => {
  await withPage(async (page) => {
    await (await openCaseload(page, server, "handlaggare2")).first().click();
    await page.getByTestId("participant-name").waitFor();
    await openForm(page, "check-in");
    await page.fill("[data-testid=check-in-form] textarea[name=notes]", "Ringklocka \u0007 i texten");
    await page.click("[data-testid=check-in-form] button[type=submit]");
    await page.getByTestId("check-in-error").waitFor();
    // The refusal is in the user's language, not a code or the API's English.
    assert.match(await page.getByTestId("check-in-error").textContent(), /^Texten får vara högst 5000 tecken, utan styrtecken\.$/);
    assert.equal(await page.inputValue("[data-testid=check-in-form] textarea[name=notes]"), "Ringklocka \u0007 i texten");
    assert.equal(await page.getByTestId("pending-count").count(), 0, "nothing was queued");
  });
});

test("a check-in dated in the future is refused on the phone, in Swedish, and by the server", async () => {
  await withPage(async (page) => {
    await (await openCaseload(page, server, "handlaggare2")).first().click();
    await page.getByTestId("participant-name").waitFor();
    await openForm(page, "check-in");
    await page.fill("[data-testid=check-in-form] input[name=held_on]", swedishToday(1));
    await page.fill("[data-testid=check-in-form] textarea[name=notes]", "Besöket som inte har hänt");
    await page.click("[data-testid=check-in-form] button[type=submit]");
    await page.getByTestId("check-in-error").waitFor();
    assert.match(
      await page.getByTestId("check-in-error").textContent(),
      /^En avstämning kan inte ha ett datum i framtiden\. Välj dagens datum eller ett tidigare\.$/,
    );
    assert.equal(await page.inputValue("[data-testid=check-in-form] input[name=held_on]"), swedishToday(1));
    assert.equal(await page.getByTestId("pending-count").count(), 0, "nothing was queued");
  });
  // A client that does not check (a script, an older app) is refused by the server.
  const coach = await apiAs(server, "handlaggare2");
  const participant = (await (await coach.get("/api/v1/participants")).json())[0];
  const id = crypto.randomUUID();
  const refused = await coach.put(`/api/v1/records/check_in/${id}`, {
    data: {
      id,
      participant_id: participant.id,
      held_on: swedishToday(1),
      attendees: ["participant", "case_manager"],
      going: "well",
      notes: "",
      ratings: [],
      agreed_actions: [],
    },
  });
  assert.equal(refused.status(), 400);
  assert.equal((await refused.json()).code, "check_in_in_the_future");
});

/** Today in Sweden, as the app counts days (YYYY-MM-DD). */
async function userId(api) {
  return (await (await api.get("/api/v1/session")).json()).user.id;
}

test("a follow-up call that is due shows in the caseload's attention list", async () => {
  const coach = await apiAs(server, "handlaggare3");
  const me = await userId(coach);
  const mine = (await (await coach.get("/api/v1/participants")).json()).filter(
    (p) => p.data.case_manager_id === me,
  );
  assert.ok(mine.length > 0, "handlaggare3 has participants");
  const participant = mine[0].id;
  const followUp = crypto.randomUUID();
  const saved = await coach.put(`/api/v1/records/follow_up/${followUp}`, {
    data: { id: followUp, participant_id: participant, due_on: swedishToday() },
  });
  assert.equal(saved.status(), 200, await saved.text());
  await coach.dispose();

  await withPage(async (page) => {
    await openCaseload(page, server, "handlaggare3");
    const line = page.locator(`[data-testid=caseload] a[data-participant="${participant}"]`);
    await line.waitFor();
    const due = line.locator("[data-attention=follow-up-due]");
    await due.waitFor();
    assert.match(await due.textContent(), new RegExp(`Uppföljningssamtal att ringa \\(sedan ${swedishToday()}\\)`));
    // Whoever needs attention comes first.
    const firstWithout = await page
      .locator("[data-testid=caseload] > li")
      .evaluateAll((items) => items.findIndex((li) => !li.querySelector("[data-testid=attention]")));
    const lastWith = await page
      .locator("[data-testid=caseload] > li")
      .evaluateAll((items) => items.map((li) => !!li.querySelector("[data-testid=attention]")).lastIndexOf(true));
    assert.ok(firstWithout === -1 || lastWith < firstWithout, "attention first");
    assert.deepEqual(await accessibilityViolations(page), []);
  });
});

test("an action agreed at the last check-in shows in the caseload's attention list as its day comes", async () => {
  const coach = await apiAs(server, "handlaggare4");
  const me = await userId(coach);
  const mine = (await (await coach.get("/api/v1/participants")).json()).filter(
    (p) => p.data.case_manager_id === me,
  );
  const participant = mine[0].id;
  const tomorrow = new Date(`${swedishToday()}T12:00:00Z`);
  tomorrow.setUTCDate(tomorrow.getUTCDate() + 1);
  const checkIn = crypto.randomUUID();
  const saved = await coach.put(`/api/v1/records/check_in/${checkIn}`, {
    data: {
      id: checkIn,
      participant_id: participant,
      held_on: swedishToday(),
      going: "well",
      attendees: ["participant", "case_manager"],
      agreed_actions: [{ who: "participant", what: "Ta med intyget", by: tomorrow.toISOString().slice(0, 10) }],
    },
  });
  assert.equal(saved.status(), 200, await saved.text());
  await coach.dispose();

  await withPage(async (page) => {
    await openCaseload(page, server, "handlaggare4");
    const line = page.locator(`[data-testid=caseload] a[data-participant="${participant}"]`);
    const due = line.locator("[data-attention=action-due]");
    await due.waitFor({ state: "attached" });
    assert.equal(await due.textContent(), `Överenskommen åtgärd: senast ${tomorrow.toISOString().slice(0, 10)}`);
    // Checked in today: no reminder of a check-in on the same line.
    assert.equal(await line.locator("[data-attention=no-check-in]").count(), 0);
  });
});

test("a placement longer than the programme allows is refused with a clear message", async () => {
  await withPage(async (page) => {
    await (await openCaseload(page, server, "handlaggare4")).first().click();
    await page.getByTestId("participant-name").waitFor();
    const form = await openForm(page, "placement");
    const workplace = await form.locator("select[name=workplace_id] option").nth(1).getAttribute("value");
    await form.locator("select[name=workplace_id]").selectOption(workplace);
    const supervisor = form.locator("select[name=supervisor_id] option").nth(1);
    await supervisor.waitFor({ state: "attached" });
    await form.locator("select[name=supervisor_id]").selectOption(await supervisor.getAttribute("value"));
    await form.locator("input[name=starts_on]").fill(swedishToday(7));
    await form.locator("input[name=ends_on]").fill(swedishToday(7 + 400));
    await form.locator("button[type=submit]").click();
    const error = page.getByTestId("placement-error");
    await error.waitFor();
    assert.match(await error.textContent(), /längre än programmet tillåter\. Sista möjliga dag är \d{4}-\d\d-\d\d/);
    assert.equal(await form.locator("input[name=ends_on]").inputValue(), swedishToday(7 + 400), "kept what was typed");
    assert.equal(await page.getByTestId("pending-count").count(), 0, "nothing was queued");
    assert.deepEqual(await accessibilityViolations(page), []);
  });
});

test("a case manager cannot open another case manager's participant", async () => {
  const leader = await apiAs(server, "projektledare");
  const coach = await apiAs(server, "handlaggare1");
  const me = await userId(coach);
  const others = (await (await leader.get("/api/v1/participants")).json()).filter(
    (p) => p.data.case_manager_id !== me,
  );
  const other = others[0].id;
  assert.equal((await coach.get(`/api/v1/participants/${other}/records`)).status(), 404);
  await leader.dispose();
  await coach.dispose();

  await withPage(async (page) => {
    await signIn(page, server, "handlaggare1");
    await waitForSynced(page);
    await page.goto(`${server.url}/caseload?p=${other}`);
    await waitForHydration(page);
    await page.getByTestId("participant-missing").waitFor();
    const held = await storedValue(page, "records", `participant/${other}`);
    assert.equal(held, null, "nothing of theirs on this device");
  });
});

test("the caseload, a participant's page and the login page pass axe-core's WCAG 2.1 AA checks", async () => {
  await withPage(async (page) => {
    await openSignIn(page, server);
    assert.deepEqual(await accessibilityViolations(page), [], "login");
    await openCaseload(page, server, "handlaggare2");
    assert.deepEqual(await accessibilityViolations(page), [], "caseload");
    await page.getByTestId("caseload").locator("a").first().click();
    await page.getByTestId("participant-name").waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], "participant page");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no horizontal scroll at 360 px: ${width}`);
  });
});

test("a full workplace check-in: the draft survives a reload, and the next check-in lands in the schedule", async () => {
  await withPage(async (page) => {
    await (await openCaseload(page, server, "handlaggare2")).nth(1).click();
    await page.getByTestId("participant-name").waitFor();
    const participant = new URL(page.url()).searchParams.get("p");
    const form = await openForm(page, "check-in");
    const note = `Hela avstämningen ${Date.now()}`;
    const next = swedishToday(10);
    await form.locator("input[name=held_at]").fill("10:15");
    await form.locator("input[name=attendees][value=employment_officer]").check();
    await form.locator("input[name=rating-hygiene_routines][value=developing]").check();
    await form.locator("textarea[name=notes]").fill(note);
    await form.getByTestId("add-action").click();
    await form.locator("select[name=action-who]").selectOption("supervisor");
    await form.locator("input[name=action-what]").fill("Visa hygienrutinerna igen");
    await form.locator("input[name=action-by]").fill(swedishToday(7));
    await form.locator("input[name=next_check_in_on]").fill(next);
    await form.locator("input[name=next_check_in_at]").fill("13:00");
    assert.ok(await form.locator("input[name=attendees][value=employment_officer]").isChecked());
    // Reload only once the device holds everything typed, as a phone put away would.
    let draft = null;
    for (let attempt = 0; attempt < 50; attempt++) {
      draft = await keptDraft(page, `check_in/${participant}`);
      if (draft?.next_at === "13:00") break;
      await page.waitForTimeout(100);
    }
    assert.equal(draft?.next_at, "13:00", "the draft is kept on the device");
    assert.ok(draft.attendees.includes("employment_officer"), `the draft has the attendee: ${JSON.stringify(draft)}`);

    await page.reload();
    await waitForHydration(page);
    // A kept draft opens its form by itself.
    const kept = page.getByTestId("check-in-form");
    await kept.locator("textarea[name=notes]").waitFor();
    for (let attempt = 0; attempt < 50 && (await kept.locator("textarea[name=notes]").inputValue()) !== note; attempt++) {
      await page.waitForTimeout(100);
    }
    assert.equal(await kept.locator("textarea[name=notes]").inputValue(), note, "the draft came back");
    assert.equal(await kept.locator("input[name=action-what]").inputValue(), "Visa hygienrutinerna igen");
    assert.ok(await kept.locator("input[name=rating-hygiene_routines][value=developing]").isChecked());
    assert.ok(await kept.locator("input[name=attendees][value=employment_officer]").isChecked());

    await kept.locator("button[type=submit]").click();
    const entry = page.getByTestId("timeline").locator("li", { hasText: note });
    await entry.waitFor();
    // The timeline reads back everything recorded, a line each.
    const lines = (await entry.locator("p").innerText()).split("\n");
    assert.equal(lines[0], note);
    assert.match(lines[1], /^Med: .*Arbetsförmedlaren/);
    assert.equal(lines[2], "Hygienrutiner: På väg");
    assert.equal(lines[3], `Handledaren: Visa hygienrutinerna igen (senast ${swedishToday(7)})`);
    assert.equal(lines[4], `Nästa avstämning: ${next}`);
    assert.match(await entry.innerText(), /Avstämning 10:15 · /);
    await page.getByTestId("schedule").locator("li", { hasText: `${next} 13:00–13:30` }).waitFor();
    assert.equal(await kept.locator("textarea[name=notes]").inputValue(), "", "the form starts afresh");
    await waitUntilSent(page);

    const records = await recordsOnServer(server, participant);
    const [saved] = records.filter((r) => r.kind === "check_in" && r.data.notes === note);
    assert.ok(saved, "the check-in reached the server");
    assert.ok(saved.data.attendees.includes("employment_officer"));
    assert.equal(saved.data.held_at, "10:15");
    assert.deepEqual(saved.data.ratings, [{ area: "hygiene_routines", rating: "developing" }]);
    assert.deepEqual(saved.data.agreed_actions, [
      { who: "supervisor", what: "Visa hygienrutinerna igen", by: swedishToday(7) },
    ]);
    assert.equal(saved.data.next_check_in_on, next);
    assert.ok(
      records.some((r) => r.kind === "schedule_event" && r.data.date === next && r.data.starts_at === "13:00"),
      "the next check-in is in the schedule on the server too",
    );

    for (let attempt = 0; attempt < 50 && (await keptDraft(page, `check_in/${participant}`)) !== null; attempt++) {
      await page.waitForTimeout(100);
    }
    assert.equal(await keptDraft(page, `check_in/${participant}`), null, "the draft was discarded");
    await page.reload();
    await waitForHydration(page);
    await page.getByTestId("open-check-in").waitFor();
    assert.equal(await page.getByTestId("check-in-form").count(), 0, "with no draft kept, the form stays shut");
    const fresh = await openForm(page, "check-in");
    assert.equal(await fresh.locator("textarea[name=notes]").inputValue(), "", "the form starts empty after a reload");
  });
});

test("a check-in draft is written when typing pauses, not at every keystroke, and closing the form keeps it", async () => {
  await withPage(async (page) => {
    // Counts the app's writes of drafts into IndexedDB, as the browser sees them.
    await page.addInitScript(() => {
      window.__draftWrites = 0;
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (value, key) {
        if (typeof key === "string" && key.startsWith("draft/")) window.__draftWrites += 1;
        return put.call(this, value, key);
      };
    });
    await (await openCaseload(page, server, "handlaggare4")).first().click();
    await page.getByTestId("participant-name").waitFor();
    const participant = new URL(page.url()).searchParams.get("p");
    const form = await openForm(page, "check-in");
    const note = "Trivs bra i arbetslaget och tar egna initiativ";
    await form.locator("textarea[name=notes]").click();
    await page.keyboard.type(note, { delay: 20 });
    await eventually(
      async () => (await keptDraft(page, `check_in/${participant}`))?.notes === note,
      "the draft never held the whole note",
    );
    const writes = await page.evaluate(() => window.__draftWrites);
    assert.ok(writes >= 1 && writes <= 5, `${note.length} keystrokes wrote the draft ${writes} times`);

    // More typing, and the form closed at once: what was typed is kept.
    await page.keyboard.type(" och frågar när hon är osäker.");
    await page.getByTestId("open-check-in").click();
    await page.getByTestId("check-in-form").waitFor({ state: "detached" });
    await eventually(
      async () => (await keptDraft(page, `check_in/${participant}`))?.notes === `${note} och frågar när hon är osäker.`,
      "closing the form lost what was typed last",
    );
  });
});

test("a contact, a closing conversation with its follow-up calls, and a call's result, all offline", async () => {
  await withPage(async (page, errors, context) => {
    await (await openCaseload(page, server, "handlaggare4")).last().click();
    await page.getByTestId("participant-name").waitFor();
    await serviceWorkerReady(page);
    await context.setOffline(true);

    const summary = `Ringde om schemat ${Date.now()}`;
    const contact = await openForm(page, "contact");
    await contact.locator("select[name=channel]").selectOption("phone");
    await contact.locator("textarea[name=summary]").fill(summary);
    await contact.locator("button[type=submit]").click();
    await page.getByTestId("timeline").locator("li", { hasText: summary }).waitFor();

    const closing = await openForm(page, "closing");
    await closing.locator("input[name=held_on]").fill(swedishToday());
    await closing.locator("select[name=outcome]").selectOption("substitute_pool");
    await closing.locator("input[name=employer]").fill("Linköpings kommun");
    await closing.locator("button[type=submit]").click();
    const followUps = page.getByTestId("follow-ups");
    await followUps.waitFor();
    // The closing and its two calls are queued one after the other.
    await followUps.locator("h3").nth(1).waitFor();
    const planned = await followUps.locator("h3").allTextContents();
    assert.ok(planned.length >= 2, `two follow-up calls planned: ${planned}`);

    const first = followUps.getByTestId("follow-up-form").first();
    const firstTitle = await first.locator("h3").textContent();
    await first.locator("select[name=situation]").selectOption("working");
    await first.locator("button[type=submit]").click();
    for (let attempt = 0; attempt < 50; attempt++) {
      const titles = await followUps.locator("h3").allTextContents();
      if (!titles.includes(firstTitle)) break;
      await page.waitForTimeout(100);
    }
    assert.ok(!(await followUps.locator("h3").allTextContents()).includes(firstTitle), "the call is done");
    assert.match(await page.getByTestId("pending-count").textContent(), /\d/);

    await context.setOffline(false);
    await waitUntilSent(page);
    assert.equal(await page.getByTestId("pending-count").count(), 0, "everything was sent");
    assert.equal(await page.getByTestId("refused").count(), 0, "nothing was refused");
    assert.deepEqual(await accessibilityViolations(page), []);
  });
});
