// Planning on the phone (issue 5): registering a participant, a placement with its working
// week, a language class, a review and an absence, all offline and then sent once; and
// inviting a participant, which needs the server, and shows in the caseload until it is used.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  startServer,
  withPage,
  waitForHydration,
  apiAs,
  accessibilityViolations,
  swedishToday,
  openCaseload,
  waitUntilSent,
  recordsOnServer,
  onlineErrors,
  openForm,
  serviceWorkerReady,
} from "./harness.mjs";

let server;
before(async () => {
  server = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await server?.stop(), 0, server?.output());
});

/** `Attendance::id_for`: a name-based (v5) UUID of the participant and day. */
function attendanceId(participant, day) {
  const urlNamespace = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");
  const hash = createHash("sha1").update(urlNamespace).update(`attendance:${participant}:${day}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function chooseSecondOption(form, name) {
  const option = form.locator(`select[name=${name}] option`).nth(1);
  await option.waitFor({ state: "attached" });
  await form.locator(`select[name=${name}]`).selectOption(await option.getAttribute("value"));
}

test("a new participant, their placement and working week, a language class, a review and an absence, all offline", async () => {
  await withPage(async (page, errors, context) => {
    await openCaseload(page, server, "handlaggare3");
    // Everything below happens offline, the participant page's and the forms' code too.
    await serviceWorkerReady(page);
    await context.setOffline(true);

    const surname = `Testsson${Date.now()}`;
    await page.getByTestId("register").locator("summary").click();
    const register = page.getByTestId("register-form");
    await register.locator("input[name=first_name]").fill("Selam");
    await register.locator("input[name=last_name]").fill(surname);
    await register.locator("input[name=birth_date]").fill("1991-04-02");
    // Languages are offered by their names, in Swedish.
    const tigrinya = register.locator("select[name=language] option[value=ti]");
    assert.equal(await tigrinya.textContent(), "tigrinja");
    await register.locator("select[name=language]").selectOption({ label: "tigrinja" });
    await register.locator("input[name=interpreter]").check();
    await register.locator("select[name=education_at_entry]").selectOption("isced3_to4");
    assert.deepEqual(await accessibilityViolations(page), [], "caseload with the registration form open");
    await register.locator("button[type=submit]").click();
    await page.waitForURL(/\/caseload\?p=/);
    assert.equal(await page.getByTestId("participant-name").textContent(), `Selam ${surname}`);
    const participant = new URL(page.url()).searchParams.get("p");
    assert.equal(await page.getByTestId("interpreter").textContent(), "Behöver tolk: tigrinja");
    assert.equal(await page.getByTestId("languages").textContent(), "Språk: tigrinja");

    const plan = await openForm(page, "placement");
    await chooseSecondOption(plan, "workplace_id");
    await chooseSecondOption(plan, "supervisor_id");
    await plan.locator("input[name=starts_on]").fill(swedishToday());
    await plan.locator("input[name=ends_on]").fill(swedishToday(28));
    await plan.locator("input[name=weekday][value=Mon]").check();
    await plan.locator("input[name=weekday][value=Wed]").check();
    await plan.locator("input[name=Wed-from]").fill("13:00");
    await plan.locator("input[name=Wed-to]").fill("21:00");
    await plan.locator("button[type=submit]").click();
    const schedule = page.getByTestId("schedule");
    await schedule.locator("li", { hasText: "13:00–21:00" }).first().waitFor();
    await schedule.locator("li", { hasText: "07:00–16:00" }).first().waitFor();
    assert.ok(
      (await schedule.locator("li", { hasText: "13:00–21:00" }).count()) >= 2,
      "the Wednesday shift repeats every week",
    );

    const lesson = await openForm(page, "event");
    await lesson.locator("select[name=kind]").selectOption("language_class");
    await lesson.locator("input[name=date]").fill(swedishToday(1));
    await lesson.locator("input[name=starts_at]").fill("08:30");
    await lesson.locator("input[name=ends_at]").fill("11:30");
    await lesson.locator("input[name=weekly_until]").fill(swedishToday(15));
    await lesson.locator("button[type=submit]").click();
    await schedule.locator("li", { hasText: "08:30–11:30" }).first().waitFor();

    const wrong = page.getByTestId("event-form");
    await wrong.locator("input[name=date]").fill(swedishToday(2));
    await wrong.locator("input[name=starts_at]").fill("12:00");
    await wrong.locator("input[name=ends_at]").fill("10:00");
    await wrong.locator("button[type=submit]").click();
    await page.getByTestId("event-error").waitFor();
    assert.equal(await wrong.locator("input[name=starts_at]").inputValue(), "12:00", "kept what was typed");

    const review = await openForm(page, "review");
    const conclusion = `Trepart: fortsätt praktiken ${Date.now()}`;
    await review.locator("textarea[name=notes]").fill(conclusion);
    await review.locator("textarea[name=next_steps]").fill("Ansök om vikariepoolen i maj");
    await review.locator("button[type=submit]").click();
    await page.getByTestId("timeline").locator("li", { hasText: conclusion }).waitFor();

    const absence = await openForm(page, "absence");
    const reason = `Ringde 07:10, feber ${Date.now()}`;
    await absence.locator("select[name=reason]").selectOption("ill");
    await absence.locator("textarea[name=note]").fill(reason);
    await absence.locator("button[type=submit]").click();
    await page.getByTestId("timeline").locator("li", { hasText: reason }).waitFor();
    assert.equal(await page.locator("[data-attention=absent-today]").count(), 1, "absent today, on the page");
    assert.deepEqual(await accessibilityViolations(page), [], "participant page with the planning forms");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no horizontal scroll at 360 px: ${width}`);

    await page.goto(`${server.url}/caseload`);
    await waitForHydration(page);
    await page.getByTestId("caseload-search").fill(surname);
    const line = page.getByTestId("caseload").locator("li", { hasText: surname });
    await line.waitFor();
    assert.equal(await line.locator("[data-attention=absent-today]").count(), 1);
    assert.match(await line.getByTestId("next-in-schedule").textContent(), /^Nästa: \d{4}-\d\d-\d\d \d\d:\d\d /);

    await context.setOffline(false);
    await waitUntilSent(page);
    const records = await recordsOnServer(server, participant);
    const of = (kind) => records.filter((record) => record.kind === kind);
    const [person] = of("participant");
    assert.equal(person.data.last_name, surname);
    assert.deepEqual(person.data.languages, ["ti"]);
    assert.equal(person.data.interpreter, "ti");
    assert.ok(person.data.intake_round_id, "registered in an intake round");
    assert.equal(person.data.phase, "recruited");
    const [placement] = of("placement");
    assert.deepEqual(
      placement.data.weekly_pattern,
      [
        { weekday: "Mon", starts_at: "07:00", ends_at: "16:00" },
        { weekday: "Wed", starts_at: "13:00", ends_at: "21:00" },
      ],
    );
    const events = of("schedule_event");
    const shifts = events.filter((event) => event.data.kind === "workplace_shift");
    assert.equal(shifts.length, 2, "one weekly shift per working day");
    assert.ok(shifts.every((shift) => shift.data.weekly_until === swedishToday(28)));
    assert.equal(events.filter((event) => event.data.kind === "language_class").length, 1);
    assert.equal(of("review").filter((r) => r.data.notes === conclusion).length, 1);
    assert.equal(of("absence").filter((r) => r.data.note === reason).length, 1);
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("inviting a participant needs a connection, shows the code, and the caseload shows it until it is used", async () => {
  await withPage(async (page, errors, context) => {
    const links = await openCaseload(page, server, "handlaggare2");
    // The first participant who cannot sign in yet.
    const card = page.getByTestId("invite-participant");
    const count = await links.count();
    let found = false;
    for (let index = 0; index < count && !found; index++) {
      await links.nth(index).click();
      await card.waitFor();
      found = (await card.locator("button").count()) > 0;
      if (!found) await page.goBack();
    }
    assert.ok(found, "someone in the caseload has not been invited");
    const participant = new URL(page.url()).searchParams.get("p");

    await context.setOffline(true);
    await page.getByTestId("connection").filter({ hasText: "Offline" }).waitFor();
    assert.ok(await card.locator("button").isDisabled(), "no invite without the server");
    assert.match(await card.textContent(), /anslut till nätet/);

    await context.setOffline(false);
    await card.locator("button").click();
    const code = card.getByTestId("invite-code");
    await code.waitFor();
    const [shown] = (await code.textContent()).match(/[A-Z0-9]{5}-[A-Z0-9]{5}/) ?? [];
    // Until which day, with its weekday, in Swedish.
    assert.match(await code.textContent(), /till och med (mån|tis|ons|tors|fre|lör|sön) \d{1,2} \S+$/);
    assert.ok(shown, await code.textContent());
    assert.equal(await card.locator("input[name=invite-link]").inputValue(), `${server.url}/invite/${shown}`);

    // The device learns by sync that the invite is open, and the caseload says so.
    const pending = page.locator("[data-attention=invite-pending]");
    await pending.waitFor();
    assert.match(await pending.textContent(), /Inbjudan inte använd \(gäller till \d{4}-\d\d-\d\d\)/);
    assert.ok(await code.isVisible(), "the code stays on screen through the sync");
    await page.goto(`${server.url}/caseload`);
    await waitForHydration(page);
    const line = page.getByTestId("caseload").locator(`a[data-participant="${participant}"]`);
    // Among the line's needs (a line shows its most urgent one and counts the rest).
    await line.locator("[data-attention=invite-pending]").waitFor({ state: "attached" });

    const invitee = await context.browser().newContext();
    const accepted = await invitee.request.post(`${server.url}/api/v1/invites/${shown}/accept`, {
      data: { username: `deltagare${Date.now()}`, password: "ett långt eget lösenord" },
    });
    assert.equal(accepted.status(), 200, await accepted.text());
    await invitee.close();

    await page.goto(`${server.url}/caseload?p=${participant}`);
    await waitForHydration(page);
    await card.filter({ hasText: "Har ett konto och kan logga in" }).waitFor();
    assert.match(await card.textContent(), /Har ett konto och kan logga in/);
    assert.equal(await page.locator("[data-attention=invite-pending]").count(), 0);
    assert.deepEqual(onlineErrors(errors), []);
  });
});

test("attendance confirmed at the workplace shows in the participant's timeline after a sync", async () => {
  await withPage(async (page) => {
    const links = await openCaseload(page, server, "handlaggare4");
    // Someone in the placement phase.
    await links.filter({ has: page.locator(".row-head", { hasText: "Praktik" }) }).first().click();
    await page.getByTestId("participant-name").waitFor();
    const participant = new URL(page.url()).searchParams.get("p");

    // Confirmed elsewhere (as a supervisor would), for a placement of this participant.
    const records = await recordsOnServer(server, participant, "handlaggare4");
    const placement = records.find((record) => record.kind === "placement");
    assert.ok(placement, "the participant has a placement");
    const day = placement.data.starts_on;
    const id = attendanceId(participant, day);
    // A status the day does not have yet, so what the timeline shows can only come from here.
    const earlier = records.find((record) => record.kind === "attendance" && record.data.day === day);
    const [status, label] =
      earlier?.data.status === "part_of_day" ? ["absent", "frånvarande"] : ["part_of_day", "del av dagen"];
    // A day not as planned says why, and part of a day says when (after the planned start).
    const details =
      status === "absent"
        ? { reason: "ill" }
        : { planned_start: "08:00", planned_end: "16:00", arrived_at: "09:00", reason: "transport" };
    const coach = await apiAs(server, "handlaggare4");
    const saved = await coach.put(`/api/v1/records/attendance/${id}`, {
      data: { id, participant_id: participant, placement_id: placement.data.id, day, status, ...details },
    });
    assert.equal(saved.status(), 200, await saved.text());
    await coach.dispose();

    await page.reload();
    await waitForHydration(page);
    const entry = page
      .getByTestId("timeline")
      .locator("li", { has: page.locator(`time[datetime="${day}"]`) })
      .filter({ hasText: `Närvaro: ${label}` });
    await entry.waitFor();
    assert.equal(await entry.count(), 1);
    // The day in words or with its weekday, in Swedish (and the year when it is not this year's).
    assert.match(await entry.locator("time").textContent(), /^(i går|i dag|(mån|tis|ons|tors|fre|lör|sön) \d{1,2} \S+( \d{4})?)$/);
    // Days as planned are not events: they would bury everything else.
    assert.ok(records.some((record) => record.kind === "attendance" && record.data.status === "present"));
    assert.equal(await page.getByTestId("timeline").locator("li", { hasText: "Närvaro: närvarande" }).count(), 0);
  });
});
