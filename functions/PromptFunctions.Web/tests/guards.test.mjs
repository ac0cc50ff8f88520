// What the page must refuse or explain: a read-only key sees no enabled write control (each disabled one says why),
// a tag moved by someone else meanwhile is a clear conflict instead of an overwrite, and an upload with bad rows
// lists their line numbers and stores nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { admin, assertAccessible, keys, newPage, openBrowser, screenshot, seedCycle, signIn, waitForExperiment } from "./support.mjs";

let session, seed;
before(async () => {
  [session, seed] = await Promise.all([openBrowser(), seedCycle()]);
});
after(async () => {
  await session?.browser.close();
});

/** Each test signs in on a fresh context, so no key or page state carries over from the one before. */
async function freshPage() {
  await session.context?.close();
  Object.assign(session, await newPage(session.browser));
  return session.page;
}

/** Buttons that change something; none may be enabled for a read-only key. */
const WRITE_CONTROLS = /^(Edit as new version|Move (?!message)|Move tag|Roll back|New tag|Save as new version|Upload|Run an experiment|Start|Promote)/;

async function enabledWriteControls(page) {
  const names = await page.getByRole("button").evaluateAll((buttons) => buttons.filter((b) => !b.disabled).map((b) => b.getAttribute("aria-label") ?? b.textContent.trim()));
  const links = await page.getByRole("link").allInnerTexts();
  return [...names, ...links].filter((n) => WRITE_CONTROLS.test(n));
}

test("a read-only key sees no enabled write controls, and each says why", { timeout: 120000 }, async () => {
  const page = await freshPage();
  const { prompt, dataset, baseline } = seed;
  // A draft that passes every row, as the baseline of the seeded (failing) version: a regression to look at.
  const again = await admin("POST", "/experiments", {
    name: "passing draft", prompt: { name: prompt, draft: { template: [{ role: "user", content: "{{question}}" }], model: { provider: "openai_compatible", name: "stub-model" } } },
    dataset: { name: dataset, split: "test" }, evaluators: [{ type: "exact_match", trim: true }], max_concurrency: 6,
  });
  await waitForExperiment(again.json.id);
  await signIn(page, keys.reader);
  await page.getByText("Signed in as web-reader").waitFor();

  const pages = [
    [`/prompts/${prompt}`, () => page.getByRole("heading", { name: "Compare two versions" })],
    [`/prompts/${prompt}/edit`, () => page.getByRole("heading", { level: 1, name: `Edit ${prompt}` })],
    [`/datasets/${dataset}`, () => page.getByRole("heading", { name: "Examples of v1" })],
    ["/datasets", () => page.getByRole("heading", { name: "Upload a dataset" })],
    ["/experiments", () => page.getByRole("heading", { level: 1, name: "Experiments" })],
    [`/experiments/compare?baseline=${again.json.id}&candidate=${baseline.id}`, () => page.getByRole("heading", { name: "Promote the candidate" })],
  ];
  for (const [url, ready] of pages) {
    await page.goto(url);
    await ready().waitFor();
    assert.deepEqual(await enabledWriteControls(page), [], `enabled write controls on ${url}`);
    assert.equal(await page.locator("button[data-gated]:enabled").count(), 0, `an enabled role-gated button on ${url}`);
    const reasons = await page.locator(".reason").allInnerTexts();
    assert.ok(reasons.length > 0, `no reason shown on ${url}`);
    for (const reason of reasons) assert.match(reason, /web-reader/);
    await assertAccessible(page, `${url} as a read-only key`);
  }
  // The comparison on that page: a regression, with the rows that regressed most.
  await page.goto(`/experiments/compare?baseline=${again.json.id}&candidate=${baseline.id}`);
  const result = page.getByRole("region", { name: /exact_match/ });
  await result.getByText("Regressed", { exact: true }).waitFor();
  const regressed = await result.getByRole("table").getByRole("row").allInnerTexts();
  assert.equal(regressed.length, 7, regressed.join("\n"));
  assert.match(regressed[1], /1\t0\t1\t.*expected "\d+", got "answer: Please answer: echo: \d+"/);
  await screenshot(page, "compare-regression");

  // The read role still runs the playground, which stores nothing.
  await page.goto(`/prompts/${prompt}/playground`);
  assert.ok(await page.getByRole("button", { name: "Run", exact: true }).isEnabled());
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
});

test("moving a tag someone else moved meanwhile shows the conflict and changes nothing", { timeout: 60000 }, async () => {
  const page = await freshPage();
  const { prompt } = seed;
  const v2 = await admin("POST", `/prompts/${prompt}/versions`, {
    version: { template: [{ role: "user", content: "{{question}}" }], model: { provider: "openai_compatible", name: "stub-model" } }, message: "second",
  });
  assert.equal(v2.status, 201);
  await signIn(page, keys.admin);
  await page.goto(`/prompts/${prompt}`);
  await page.getByRole("button", { name: "Move staging" }).click();
  await page.getByLabel("To version").selectOption("v2");
  await page.getByLabel("Reason").fill("ship it");

  // Someone else moves staging while the form is open.
  const elsewhere = await admin("PUT", `/prompts/${prompt}/tags/staging`, { version: "v2", reason: "moved elsewhere" });
  assert.equal(elsewhere.status, 200);

  await page.getByRole("button", { name: "Move tag" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Someone moved staging meanwhile" });
  await alert.waitFor();
  assert.match(await alert.innerText(), /now points at v2, not v1/);
  await screenshot(page, "tag-conflict");
  await assertAccessible(page, "tag conflict");
  const history = await admin("GET", `/prompts/${prompt}/tags/staging/history`);
  assert.deepEqual(history.json.data.map((h) => h.reason), ["moved elsewhere", "first draft"]);
});

test("an upload with bad rows lists their line numbers and stores nothing", { timeout: 60000 }, async () => {
  const page = await freshPage();
  const { dataset } = seed;
  await signIn(page, keys.writer);
  await page.goto(`/datasets/${dataset}`);
  await page.getByRole("heading", { name: "Upload a new version" }).waitFor();
  const csv = "question,answer,source\nWhat is 2+2?,4,faq\nWhat is 3+3?,6\nWhat is 4+4?,8,faq,extra\n\"never closed,1,faq\n";
  await page.getByLabel("File (CSV with a header line, or JSON Lines)").setInputFiles({ name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByLabel("answer", { exact: true }).selectOption("expected");
  await page.getByLabel("source", { exact: true }).selectOption("metadata");
  await page.getByRole("button", { name: "Upload" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Nothing was stored" });
  await alert.waitFor();
  const faults = await alert.getByRole("listitem").allInnerTexts();
  assert.deepEqual(faults.map((f) => f.split(" ").slice(0, 2).join(" ")), ["line 3", "line 4", "line 5"], faults.join("\n"));
  await assertAccessible(page, "failed upload");
  await screenshot(page, "dataset-upload-errors");
  const versions = await admin("GET", `/datasets/${dataset}/versions`);
  assert.equal(versions.json.data.length, 1, "the failed upload stored a version");

  // The same file fixed goes in as v2 with the mapping applied.
  const fixed = "question,answer,source\nWhat is 2+2?,4,faq\nWhat is 3+3?,6,faq\n";
  await page.getByLabel("File (CSV with a header line, or JSON Lines)").setInputFiles({ name: "fixed.csv", mimeType: "text/csv", buffer: Buffer.from(fixed) });
  await page.getByLabel("answer", { exact: true }).selectOption("expected");
  await page.getByLabel("source", { exact: true }).selectOption("metadata");
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("status").filter({ hasText: "Stored as v2: 2 examples" }).waitFor();
  await page.getByRole("heading", { name: "Examples of v2" }).waitFor();
  const example = await admin("GET", `/datasets/${dataset}/versions/v2/examples?limit=1`);
  assert.deepEqual(example.json.data[0].input, { question: "What is 2+2?" });
  assert.equal(example.json.data[0].expected, "4");
  assert.deepEqual(example.json.data[0].metadata, { source: "faq" });
});
