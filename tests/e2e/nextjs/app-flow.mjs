// The example app in a real browser (tests/e2e/nextjs/nextjs.test.mjs runs it for each
// runtime and bundler, with the FastAPI origin): Better Auth sign-up, the task page calling
// /api/v1/{userId}/tasks through jwtgate, another user's path (403), sign-out (401),
// and a reload that keeps the session. Two users in two browser contexts (two cookie jars).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

const PASSWORD = "correct horse battery staple";

async function signUp(page, appUrl, name) {
  await page.goto(`${appUrl}/`, { timeout: 30_000 });
  await page.waitForSelector("#auth-form");
  const email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`;
  await page.fill("#auth-form input[name=name]", name);
  await page.fill("#auth-form input[name=email]", email);
  await page.fill("#auth-form input[name=password]", PASSWORD);
  await page.click("#auth-submit");
  await page.waitForSelector("#who");
  await page.waitForSelector("#tasks, #no-tasks");
  const id = await page.evaluate(async () => (await (await fetch("/api/auth/get-session")).json()).user.id);
  return { email, id };
}

const titles = (page) => page.$$eval("#tasks li .title", (els) => els.map((e) => e.textContent));
const doneTitles = (page) => page.$$eval("#tasks li.done .title", (els) => els.map((e) => e.textContent));

async function addTask(page, title) {
  await page.fill("#new-task input[name=title]", title);
  await page.click("#new-task button[type=submit]");
  await page.waitForFunction((t) => [...document.querySelectorAll("#tasks li .title")].some((e) => e.textContent === t), title);
}

/**
 * Runs the whole flow; `screenshot` (optional path) gets a picture of the task page. `mode`
 * "session" (the examples' default): no request leaving the browser may carry an
 * `Authorization` header (the page sends Better Auth's cookies, no token in JS), and the
 * task calls must have gone out and been answered 200.
 */
export async function runAppFlow(browser, appUrl, { screenshot, mode = "session" } = {}) {
  const errors = [];
  const withAuthorization = [];
  const taskAnswers = [];
  const seen = [];
  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    // Every request the page makes (fetches, navigations, assets), with the headers the
    // browser actually sent (allHeaders: including those added by the network stack).
    context.on("request", (request) => {
      seen.push(request.allHeaders().then((headers) => {
        if ("authorization" in headers) withAuthorization.push(`${request.method()} ${new URL(request.url()).pathname}`);
      }).catch(() => {}));
    });
    context.on("response", (response) => {
      if (/\/api\/v1\/[^/]+\/tasks/.test(new URL(response.url()).pathname)) taskAnswers.push(response.status());
    });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => errors.push(String(e)));
    return { context, page };
  };
  const a = await open();
  const b = await open();
  try {
    // Alice: sign up, add two tasks, complete one, delete the other.
    const alice = await signUp(a.page, appUrl, "Alice");
    assert.ok(await a.page.$("#no-tasks"), "a new user has no tasks");
    await addTask(a.page, "Buy milk");
    await addTask(a.page, "Write report");
    await addTask(a.page, "Call Bob");
    assert.deepEqual(await titles(a.page), ["Buy milk", "Write report", "Call Bob"]);
    await a.page.click('#tasks li:has-text("Buy milk") input[type=checkbox]'); // checked once the API answered
    await a.page.waitForSelector('#tasks li.done:has-text("Buy milk")');
    await a.page.click('#tasks li:has-text("Write report") button');
    await a.page.waitForFunction(() => ![...document.querySelectorAll("#tasks li .title")].some((e) => e.textContent === "Write report"));
    assert.deepEqual(await titles(a.page), ["Buy milk", "Call Bob"]);
    assert.deepEqual(await doneTitles(a.page), ["Buy milk"]);
    assert.match(await a.page.textContent("#last-call"), /DELETE \/api\/v1\/[^/]+\/tasks\/\d+\s*200/);

    // Bob, in his own browser context: only his tasks.
    const bob = await signUp(b.page, appUrl, "Bob");
    assert.notEqual(bob.id, alice.id);
    assert.ok(await b.page.$("#no-tasks"), "Bob sees none of Alice's tasks");
    await addTask(b.page, "Bob's only task");
    assert.deepEqual(await titles(b.page), ["Bob's only task"]);

    // Alice reloads: still signed in, still her tasks only.
    await a.page.reload();
    await a.page.waitForSelector("#tasks");
    assert.match(await a.page.textContent("#who"), /Alice/);
    assert.deepEqual(await titles(a.page), ["Buy milk", "Call Bob"]);
    assert.deepEqual(await doneTitles(a.page), ["Buy milk"]);

    // Alice tries Bob's path: the gate's 403 and its detail are shown.
    await a.page.fill("#probe input[name=other]", bob.id);
    await a.page.click("#probe button[type=submit]");
    await a.page.waitForSelector("#probe-result");
    assert.match(await a.page.textContent("#probe-result .request"), new RegExp(`GET /api/v1/${bob.id}/tasks`));
    assert.equal((await a.page.textContent("#probe-result .status")).trim(), "403");
    assert.equal(await a.page.textContent("#probe-result .detail"), "User ID in path does not match authenticated user");
    if (screenshot) await a.page.screenshot({ path: screenshot, fullPage: true });

    // Alice signs out: the API refuses her calls (no session, no token: 401).
    await a.page.click("#sign-out");
    await a.page.waitForSelector("#auth-form");
    await a.page.waitForSelector("#signed-out");
    await a.page.click("#call-after-sign-out");
    await a.page.waitForSelector("#after-sign-out");
    assert.equal((await a.page.textContent("#after-sign-out .status")).trim(), "401");
    assert.equal(await a.page.textContent("#after-sign-out .detail"), "Missing or invalid Authorization header");
    const tokenAfter = await a.page.evaluate(async () => (await fetch("/api/auth/jwtgate/token")).status);
    assert.equal(tokenAfter, 401, "no token after sign-out");
    await a.page.reload();
    await a.page.waitForSelector("#auth-form");

    // Bob is unaffected, and his session survives a reload too.
    await b.page.reload();
    await b.page.waitForSelector("#tasks");
    assert.deepEqual(await titles(b.page), ["Bob's only task"]);

    // Alice signs in again: her tasks are still there.
    await a.page.click('[role=tab]:has-text("Sign in")');
    await a.page.fill("#auth-form input[name=email]", alice.email);
    await a.page.fill("#auth-form input[name=password]", PASSWORD);
    await a.page.click("#auth-submit");
    await a.page.waitForSelector("#tasks");
    assert.deepEqual(await titles(a.page), ["Buy milk", "Call Bob"]);
    assert.deepEqual(errors, []);
    await Promise.all(seen);
    if (mode === "session") {
      assert.ok(seen.length > 20, `requests observed: ${seen.length}`);
      assert.deepEqual(withAuthorization, [], "no request leaves the browser with an Authorization header in session mode");
      assert.ok(taskAnswers.filter((s) => s === 200).length >= 8, `task calls answered 200: ${taskAnswers.join(",")}`);
    } else {
      assert.ok(withAuthorization.some((r) => r.includes("/api/v1/")), "bearer mode sends the token");
    }
    return { alice, bob };
  } finally {
    await a.context.close();
    await b.context.close();
  }
}
