// The pages Lotsa's benchmarks measure (bundle-size.mjs, bench-load.mjs), each as a phone
// opens it for the first time: `prepare` runs first in the same profile (signing in, the first
// sync), then `open` loads the page in a fresh tab and resolves once the page is usable.

import { signIn, openSignIn, waitForHydration, waitForSynced, openForm, DEMO_PASSWORD } from "../tests/e2e/harness.mjs";

export const PAGES = [
  {
    name: "sign-in page",
    // Plain HTML whose form posts to the server: usable once it is shown.
    async open(page, server) {
      await openSignIn(page, server);
    },
  },
  {
    name: "participant's start page (schedule)",
    // Rendered whole by the server, with no app code: usable once it is shown.
    async prepare(page, server) {
      await openSignIn(page, server);
      await page.fill("input[name=username]", "deltagare");
      await page.fill("input[name=password]", DEMO_PASSWORD);
      await page.click("[data-testid=login-form] button[type=submit]");
      await page.waitForURL(`${server.url}/schedule`);
    },
    async open(page, server) {
      await page.goto(`${server.url}/schedule`);
      await page.getByTestId("schedule").waitFor();
    },
  },
  {
    name: "supervisor's start page (today)",
    // Rendered whole by the server, with no app code: usable once it is shown.
    async prepare(page, server) {
      await openSignIn(page, server);
      await page.fill("input[name=username]", "handledare");
      await page.fill("input[name=password]", DEMO_PASSWORD);
      await page.click("[data-testid=login-form] button[type=submit]");
      await page.waitForURL(`${server.url}/today`);
    },
    async open(page, server) {
      await page.goto(`${server.url}/today`);
      await page.getByTestId("week").waitFor();
    },
  },
  {
    name: "case manager's start page (caseload)",
    async prepare(page, server) {
      await signIn(page, server, "handlaggare1");
      await waitForSynced(page);
    },
    async open(page, server) {
      await page.goto(`${server.url}/caseload`);
      await waitForHydration(page);
      await page.getByTestId("caseload").locator("a").first().waitFor();
    },
  },
  {
    name: "case manager's participant page (its forms load when opened)",
    async prepare(page, server) {
      await signIn(page, server, "handlaggare1");
      await waitForSynced(page);
      await page.goto(`${server.url}/caseload`);
      await waitForHydration(page);
      const link = page.getByTestId("caseload").locator("a").first();
      await link.waitFor();
      this.href = await link.getAttribute("href");
    },
    async open(page, server) {
      await page.goto(`${server.url}${this.href}`);
      await waitForHydration(page);
      await page.getByTestId("participant-name").waitFor();
    },
    // Not budgeted, shown so the cost of splitting stays in sight: each form's code is
    // fetched when the form is first opened, after the page is usable.
    extra: {
      name: "with every form opened",
      async open(page) {
        for (const form of ["check-in", "absence", "review", "contact", "placement", "event", "closing"]) {
          await openForm(page, form);
        }
      },
    },
  },
];

// A phone on a poor mobile link, as the DevTools protocol emulates it (the figures:
// 150 ms, 1.6 Mbit/s down).
export const SLOW_LINK = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1024 * 1024) / 8,
  uploadThroughput: (750 * 1024) / 8,
};
