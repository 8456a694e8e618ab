// The supervisor on a 360 px phone during a shift: signing in lands on the day's attendance,
// which the server renders whole; with no network the confirmations wait on the phone and are
// sent once the network is back; the case manager then sees the deviation.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startServer,
  withPage,
  openSignIn,
  openCaseload,
  screenshot,
  accessibilityViolations,
  apiAs,
  swedishToday,
  DEMO_PASSWORD,
  PHONE,
} from "./harness.mjs";

let demo;
before(async () => {
  demo = await startServer({ LOTSA_DEMO: "true" });
});
after(async () => {
  assert.equal(await demo?.stop(), 0, demo?.output());
});

/**
 * New participants of handlaggare1 (`[first, last]` names), placed with the demo supervisor and
 * expected at the workplace today 08:00–16:00 (whatever weekday today is): ids by first name.
 */
async function expectedToday(names) {
  const supervisor = await apiAs(demo, "handledare");
  const [placed] = await (await supervisor.get("/api/v1/participants")).json();
  assert.ok(placed, "the demo supervisor has someone placed with them");
  const theirs = await (await supervisor.get(`/api/v1/participants/${placed.id}/records`)).json();
  const placement = theirs.find((record) => record.kind === "placement").data;
  await supervisor.dispose();

  const coach = await apiAs(demo, "handlaggare1");
  const me = (await (await coach.get("/api/v1/session")).json()).user.id;
  const today = swedishToday();
  const ids = {};
  for (const [first, last] of names) {
    const id = crypto.randomUUID();
    const put = async (kind, data) => {
      const saved = await coach.put(`/api/v1/records/${kind}/${data.id}`, { data });
      assert.equal(saved.status(), 200, `${kind}: ${await saved.text()}`);
    };
    await put("participant", {
      id,
      programme_id: placement.programme_id,
      first_name: first,
      last_name: last,
      birth_date: "1994-03-01",
      gender: "woman",
      status_at_entry: "long_term_unemployed",
      education_at_entry: "isced0_to2",
      case_manager_id: me,
      phase: "placement",
    });
    await put("placement", {
      id: crypto.randomUUID(),
      programme_id: placement.programme_id,
      participant_id: id,
      workplace_id: placement.workplace_id,
      supervisor_id: placement.supervisor_id,
      starts_on: swedishToday(-7),
      ends_on: swedishToday(60),
    });
    await put("schedule_event", {
      id: crypto.randomUUID(),
      programme_id: placement.programme_id,
      participant_id: id,
      kind: "workplace_shift",
      date: today,
      starts_at: "08:00",
      ends_at: "16:00",
    });
    ids[first] = id;
  }
  await coach.dispose();
  return ids;
}

/** Each participant's attendance records for today, as the project leader finds them. */
async function attendanceToday(ids) {
  const leader = await apiAs(demo, "projektledare");
  const found = {};
  for (const [name, id] of Object.entries(ids)) {
    const records = await (await leader.get(`/api/v1/participants/${id}/records`)).json();
    found[name] = records.filter((record) => record.kind === "attendance" && record.data.day === swedishToday());
  }
  await leader.dispose();
  return found;
}

/** Signs in on the sign-in page, which takes the user to `start` (rendered with no app code). */
async function signInOnThePage(page, username, start) {
  await openSignIn(page, demo);
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", DEMO_PASSWORD);
  await page.click("[data-testid=login-form] button[type=submit]");
  await page.waitForURL(`${demo.url}${start}`);
}

const row = (page, name) => page.getByTestId("expected-row").filter({ hasText: name });

test("a supervisor confirms three participants with no network, one 20 minutes late; online they are sent once and the case manager sees the deviation", async () => {
  const ids = await expectedToday([
    ["Hodan", "Abdi"],
    ["Mehari", "Tesfay"],
    ["Oksana", "Koval"],
  ]);
  await withPage(async (page, errors, context) => {
    const code = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (/\.(wasm|js)$/.test(path) && !["/static-pages.js", "/sw.js"].includes(path)) code.push(path);
    });
    await signInOnThePage(page, "handledare", "/today");
    assert.match(await page.getByTestId("today-heading").textContent(), /^Närvaro: I dag$/);
    for (const name of ["Hodan A.", "Mehari T.", "Oksana K."]) {
      assert.equal(await row(page, name).count(), 1, `${name} is expected today`);
    }
    assert.ok((await row(page, "Hodan A.").getByTestId("confirm").boundingBox()).height >= 44);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `page is ${width} px wide`);
    assert.deepEqual(await accessibilityViolations(page), [], "WCAG 2.1 AA");
    await screenshot(page, "supervisor-today");
    // The page is kept for opening offline once the worker runs it.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve));
      }
    });

    await context.setOffline(true);
    await row(page, "Hodan A.").getByTestId("confirm").click();
    await row(page, "Hodan A.").getByTestId("row-waiting").waitFor();
    const mehari = row(page, "Mehari T.");
    await mehari.getByTestId("deviation").click();
    await mehari.locator("input[name=status][value=part_of_day]").check();
    await mehari.locator("input[name=arrived_at]").fill("08:20");
    await mehari.locator("select[name=reason]").selectOption("transport");
    await mehari.locator("textarea[name=note]").fill("Bussen kom inte.");
    await mehari.getByTestId("save-deviation").click();
    await row(page, "Mehari T.").getByTestId("row-waiting").waitFor();
    await row(page, "Oksana K.").getByTestId("confirm").click();
    await row(page, "Oksana K.").getByTestId("row-waiting").waitFor();
    for (const name of ["Hodan A.", "Mehari T."]) {
      assert.ok(await row(page, name).getByTestId("row-waiting").isVisible(), `${name} waits on the phone`);
    }
    assert.match(await page.getByTestId("today-waiting").textContent(), /väntar på telefonen/);
    await screenshot(page, "supervisor-offline");
    assert.deepEqual(
      Object.values(await attendanceToday(ids)).map((records) => records.length),
      [0, 0, 0],
      "nothing reached the server while offline",
    );

    await context.setOffline(false);
    await page.goto(`${demo.url}/today`);
    for (const name of ["Hodan A.", "Oksana K."]) {
      assert.equal(await row(page, name).getByTestId("confirmed").textContent(), "Här som planerat");
    }
    assert.equal(await row(page, "Mehari T.").getByTestId("confirmed").textContent(), "Kom 08:20 (Resor eller transport)");
    assert.equal(await page.getByTestId("today-waiting").isVisible(), false, "nothing waits any more");
    await page.reload();
    const stored = await attendanceToday(ids);
    assert.deepEqual(
      Object.values(stored).map((records) => records.length),
      [1, 1, 1],
      "each reached the server once",
    );
    assert.equal(stored.Hodan[0].data.status, "present");
    assert.deepEqual(
      [stored.Mehari[0].data.status, stored.Mehari[0].data.arrived_at, stored.Mehari[0].data.reason],
      ["part_of_day", "08:20", "transport"],
    );
    assert.equal(stored.Mehari[0].data.note, "Bussen kom inte.");

    // Everyone else expected today: one tap.
    if (await page.getByTestId("all-here").count()) {
      await page.getByTestId("all-here").click();
      await page.waitForURL(`${demo.url}/today`);
    }
    assert.equal(await page.getByTestId("all-here").count(), 0, "nobody is left to confirm");
    assert.equal(
      await page.locator("[data-testid=expected-row]:not([data-confirmed])").count(),
      0,
      "every row is confirmed",
    );
    assert.deepEqual(code, [], "the supervisor's page loads none of the app's code");
    assert.deepEqual(errors.filter((error) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(error)), []);
  });

  // The case manager's caseload names the deviation; the days as planned are none.
  await withPage(async (page) => {
    await openCaseload(page, demo, "handlaggare1");
    const line = (id) => page.locator(`[data-testid=caseload] a[data-participant="${id}"]`);
    const deviation = line(ids.Mehari).locator("[data-attention=deviation]");
    await deviation.waitFor();
    assert.equal(await deviation.textContent(), `Avvikelse i närvaron ${swedishToday()}`);
    assert.equal(await line(ids.Hodan).locator("[data-attention=deviation]").count(), 0);
    await screenshot(page, "caseload-deviation");
  });
});

/** The month before today's in Sweden, `YYYY-MM`. */
function lastMonth() {
  const [year, month] = swedishToday().split("-").map(Number);
  return month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, "0")}`;
}

/** Minutes worked on a day, from its attendance record as the report counts them. */
function workedMinutes(attendance) {
  if (attendance.status === "absent") return 0;
  const minutes = (time) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
  const start = attendance.arrived_at ?? attendance.planned_start;
  const end = attendance.left_at ?? attendance.planned_end;
  return start && end ? minutes(end) - minutes(start) : 0;
}

const decimalHours = (minutes) =>
  `${Math.floor(minutes / 60)}.${String(Math.floor(((minutes % 60) * 100 + 30) / 60)).padStart(2, "0")}`;

test("the participant attests last month as the supervisor confirmed it; its CSV and PDF say what the records say, and the attested month is locked", async () => {
  const month = lastMonth();
  const participantApi = await apiAs(demo, "deltagare");
  const [me] = await (await participantApi.get("/api/v1/participants")).json();
  await participantApi.dispose();
  const leader = await apiAs(demo, "projektledare");
  const records = await (await leader.get(`/api/v1/participants/${me.id}/records`)).json();
  const confirmed = records.filter((record) => record.kind === "attendance" && record.data.day.startsWith(month));
  assert.ok(confirmed.length > 0, "the demo participant's supervisor confirmed days last month");

  await withPage(async (page, errors) => {
    await signInOnThePage(page, "deltagare", "/schedule");
    const report = page.locator(`[data-testid=month-report][data-month="${month}"]`);
    assert.equal(await page.getByTestId("month-report").count(), 1, "last month only: this one has not ended");
    await report.getByTestId("attest").click();
    await page.waitForURL(`${demo.url}/schedule#report`);
    await page.locator(`[data-testid=month-report][data-month="${month}"]`).getByTestId("report-attested").waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], "WCAG 2.1 AA with the report");
    await screenshot(page, "schedule-attested");
    assert.deepEqual(errors, []);
  });

  // The CSV holds each confirmed day's hours at the workplace; the PDF says the same.
  const csv = await (await leader.get(`/api/v1/participants/${me.id}/attendance/${month}.csv`)).text();
  const lines = csv.trim().split("\r\n");
  for (const { data } of confirmed) {
    const worked = workedMinutes(data);
    const line = lines.find((text) => text.startsWith(data.day));
    if (worked === 0) {
      assert.ok(!line || line.split(",")[1] === "0.00", `${data.day}: ${line}`);
    } else {
      assert.equal(line.split(",")[1], decimalHours(worked), `${data.day}: ${line}`);
    }
  }
  const pdf = await (await leader.get(`/api/v1/participants/${me.id}/attendance/${month}.pdf`)).body();
  const dir = mkdtempSync(join(tmpdir(), "lotsa-report-"));
  writeFileSync(join(dir, "report.pdf"), pdf);
  const text = execFileSync("pdftotext", ["-layout", join(dir, "report.pdf"), "-"], { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  assert.match(text, new RegExp(`Deltagare: ${me.data.first_name} ${me.data.last_name}`));
  assert.match(text, /Intygad av deltagaren/);
  const cells = (textLine) => textLine.trim().split(/\s+/);
  for (const line of lines.slice(1)) {
    const [first, ...hours] = line.split(",");
    const shown = text.split("\n").find((textLine) => cells(textLine)[0] === (first === "total" ? "Summa" : first));
    assert.ok(shown, `${first} is in the PDF`);
    assert.deepEqual(cells(shown).slice(1), hours.map((value) => value.replace(".", ",")), `${first} in the PDF`);
  }
  await leader.dispose();

  // The supervisor's correction of an attested day is refused, with the page saying why.
  const worked = confirmed.find(({ data }) => workedMinutes(data) > 0).data.day;
  await withPage(async (page) => {
    await signInOnThePage(page, "handledare", "/today");
    await page.goto(`${demo.url}/today?day=${worked}`);
    const theirs = row(page, `${me.data.first_name} ${me.data.last_name[0]}.`);
    await theirs.getByTestId("deviation").click();
    await theirs.locator("input[name=status][value=absent]").check();
    await theirs.locator("select[name=reason]").selectOption("ill");
    await theirs.getByTestId("save-deviation").click();
    await page.getByTestId("today-refused").waitFor();
    assert.match(await page.getByTestId("today-refused").textContent(), /intygat/);
  });
});

test("a form kept offline that the server refuses when it is sent is not lost in silence: the page says so", async () => {
  const ids = await expectedToday([["Samira", "Haddad"]]);
  await withPage(async (page, errors, context) => {
    await signInOnThePage(page, "handledare", "/today");
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve));
      }
    });
    await context.setOffline(true);
    // "Came later" with the planned times left as they were: nothing says what differed.
    const samira = row(page, "Samira H.");
    await samira.getByTestId("deviation").click();
    await samira.locator("input[name=status][value=part_of_day]").check();
    await samira.locator("select[name=reason]").selectOption("ill");
    await samira.getByTestId("save-deviation").click();
    await row(page, "Samira H.").getByTestId("row-waiting").waitFor();

    await context.setOffline(false);
    await page.goto(`${demo.url}/today`);
    await page.getByTestId("outbox-refused").waitFor();
    assert.match(await page.getByTestId("outbox-refused").textContent(), /godtogs inte/);
    assert.equal(await row(page, "Samira H.").getAttribute("data-confirmed"), null, "nothing was saved");
    assert.deepEqual(Object.values(await attendanceToday(ids)).map((records) => records.length), [0]);
    await screenshot(page, "supervisor-refused");
    await page.reload();
    assert.equal(await page.getByTestId("outbox-refused").isVisible(), false, "said once");
    assert.deepEqual(errors.filter((error) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(error)), []);
  });
});
