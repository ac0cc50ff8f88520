// Suites and optimizations in the browser: a suite whose second candidate (the stub's "stub-wrong" model) regresses
// is run from its page and shows the regressed verdict; an optimization run (the stub's "stub-optimizer" cuts the
// wording before the question, which makes the stub model answer right) proposes a version that is accepted from
// its page, and the tag moves. A read-only key sees both pages with every write control disabled.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { admin, assertAccessible, keys, newPage, openBrowser, screenshot, signIn, step, unique } from "./support.mjs";

let session;
const seed = {};
before(async () => {
  session = await openBrowser();
  await Promise.all([seedSuite(), seedOptimization()]);
});
after(async () => {
  await session?.browser.close();
});

const numbers = (count, split) => Array.from({ length: count }, (_, i) => `echo: ${i + 2},${i + 2},${split}`).join("\n");

/** A prompt the stub answers right, a 12-row dataset, and a suite: candidate 1 the same model, candidate 2 "stub-wrong". */
async function seedSuite() {
  const prompt = unique("suite-answer");
  const dataset = unique("suite-data");
  const created = await admin("POST", `/prompts/${prompt}/versions`, {
    version: { template: [{ role: "user", content: "{{question}}" }], model: { provider: "openai_compatible", name: "stub-model" } },
    message: "plain question", tags: ["production"],
  });
  assert.equal(created.status, 201, created.text);
  const upload = await admin("POST", `/datasets/${dataset}/versions?expected_column=expected&message=seed`, `question,expected,split\n${numbers(12, "test")}\n`);
  assert.equal(upload.status, 201, upload.text);
  const suite = unique("nightly");
  const put = await admin("PUT", `/suites/${suite}`, {
    prompt: { name: prompt, tag: "production" }, dataset: { name: dataset, split: "test" },
    evaluators: [{ type: "exact_match", trim: true }], baseline: { connection: "stub" },
    candidates: [{ connection: "stub" }, { connection: "stub", model: "stub-wrong" }], max_concurrency: 12,
  });
  assert.equal(put.status, 201, put.text);
  Object.assign(seed, { suite, suitePrompt: prompt });
}

/** A prompt whose wording before the question makes the stub answer wrong, and a finished optimization run that proposes the plain question. */
async function seedOptimization() {
  const prompt = unique("optimize-me");
  const dataset = unique("optimize-data");
  const created = await admin("POST", `/prompts/${prompt}/versions`, {
    version: { template: [{ role: "system", content: "You answer with the number only." }, { role: "user", content: "Please answer: {{question}}" }], model: { provider: "openai_compatible", name: "stub-model" } },
    message: "wordy", tags: ["production", "staging"],
  });
  assert.equal(created.status, 201, created.text);
  const rows = `${numbers(10, "validation")}\n${Array.from({ length: 10 }, (_, i) => `echo: ${i + 40},${i + 40},`).join("\n")}\n`;
  const upload = await admin("POST", `/datasets/${dataset}/versions?expected_column=expected&message=seed`, `question,expected,split\n${rows}`);
  assert.equal(upload.status, 201, upload.text);
  const started = await admin("POST", "/optimizations", {
    prompt: { name: prompt, tag: "production" }, dataset: { name: dataset }, evaluators: [{ type: "exact_match", trim: true }],
    model: { connection: "stub" }, optimizer: { connection: "stub", model: "stub-optimizer" },
    budget: { max_rounds: 3, max_model_calls: 500 }, candidates_per_round: 1, validation: "validation",
  });
  assert.equal(started.status, 202, started.text);
  const deadline = Date.now() + 90000;
  let run;
  do {
    await new Promise((r) => setTimeout(r, 300));
    run = (await admin("GET", `/optimizations/${started.json.id}`)).json;
  } while (!["completed", "failed", "cancelled"].includes(run.status) && Date.now() < deadline);
  assert.equal(run.outcome, "improved", JSON.stringify(run).slice(0, 2000));
  Object.assign(seed, { optimization: run, optimizePrompt: prompt, startVersion: created.json.id });
}

test("a suite run from its page shows the regressed candidate", { timeout: 120000 }, async (t) => {
  const { page } = session;
  await signIn(page, keys.writer);

  await step(t, page, "the suite list shows the suite with its prompt, dataset and candidates", async () => {
    await page.getByRole("link", { name: "Suites" }).click();
    await page.getByRole("heading", { level: 1, name: "Suites" }).waitFor();
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: seed.suite, exact: true }) });
    assert.match(await row.innerText(), /stub \/ stub-wrong/);
    await assertAccessible(page, "suites");
    await row.getByRole("link", { name: seed.suite, exact: true }).click();
    await page.getByRole("heading", { level: 1, name: `Suite ${seed.suite}` }).waitFor();
    await page.getByText("No runs yet.").waitFor();
    await assertAccessible(page, "suite");
  });

  await step(t, page, "run now, and see the verdicts when it completes", async () => {
    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByRole("heading", { level: 1, name: `Run of ${seed.suite}` }).waitFor();
    await page.getByRole("status").filter({ hasText: "completed" }).waitFor({ timeout: 90000 });
    const status = await page.getByRole("status").filter({ hasText: "completed" }).innerText();
    assert.match(status, /overall Regressed/);
    const regressed = page.getByRole("region", { name: /Candidate 2: stub \/ stub-wrong/ });
    await regressed.getByText("Regressed").first().waitFor();
    const row = await regressed.getByRole("row").filter({ hasText: "exact_match" }).innerText();
    assert.match(row, /1 → 0/);
    assert.match(row, /-1 \[-1, -1\]/);
    assert.ok(await regressed.getByRole("img", { name: /exact_match: difference -1/ }).isVisible());
    assert.ok(await regressed.getByRole("link", { name: "compare with the baseline" }).isVisible());
    const same = page.getByRole("region", { name: /Candidate 1: stub \/ stub-model/ });
    assert.doesNotMatch(await same.innerText(), /Regressed/);
    await assertAccessible(page, "suite run");
    await screenshot(page, "suite-run");
    await page.getByRole("link", { name: seed.suite }).first().click();
    const runs = page.getByRole("table").getByRole("row");
    await runs.nth(1).filter({ hasText: "Regressed" }).waitFor();
  });
});

test("an optimization's proposal is accepted from its page and the tag moves", { timeout: 90000 }, async (t) => {
  const { page } = session;
  const run = seed.optimization;
  await signIn(page, keys.admin);

  await step(t, page, "the list shows the proposal waiting for a decision", async () => {
    await page.goto(`/optimizations?prompt=${seed.optimizePrompt}`);
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: `Optimization ${run.id}` }) });
    await row.waitFor();
    assert.match(await row.innerText(), /Waiting for a decision/);
    await assertAccessible(page, "optimizations");
    await row.getByRole("link", { name: `Optimization ${run.id}` }).click();
  });

  await step(t, page, "the run shows its rounds, candidates with rationale and reasons, and the final comparison", async () => {
    await page.getByRole("heading", { level: 1, name: `Optimization of ${seed.optimizePrompt}` }).waitFor();
    const round = page.getByRole("region", { name: "Round 1" });
    assert.match(await round.innerText(), /Adopted[\s\S]*Rationale: asks the question plainly[\s\S]*Why kept:/);
    assert.match(await page.getByRole("region", { name: "Final comparison" }).innerText(), /0\/10 passed.*→ 10\/10 passed/);
    assert.match(await page.locator(".facts").innerText(), /model calls/);
    await assertAccessible(page, "optimization");
    await screenshot(page, "optimization");
  });

  await step(t, page, "accept: staging moves to the proposed version with the reason", async () => {
    const proposal = page.getByRole("region", { name: /Proposed version/ });
    assert.equal(await proposal.getByLabel("Tag to move to").inputValue(), "staging");
    await page.getByLabel("Reason").fill("reads better and passes validation");
    await proposal.getByRole("button", { name: "Accept" }).click();
    await proposal.getByText(/Accepted: staging moved to v2 by web-admin/).waitFor();
    assert.equal(await proposal.getByRole("button", { name: "Accept" }).count(), 0);
    const staging = await admin("GET", `/prompts/${seed.optimizePrompt}/tags/staging`);
    assert.equal(staging.json.id, run.result.version);
    const history = await admin("GET", `/prompts/${seed.optimizePrompt}/tags/staging/history`);
    assert.equal(history.json.data[0].reason, "reads better and passes validation");
    const production = await admin("GET", `/prompts/${seed.optimizePrompt}/tags/production`);
    assert.equal(production.json.id, seed.startVersion);
    assert.equal((await admin("GET", `/optimizations/${run.id}`)).json.review.decision, "accepted");
  });
});

test("a read-only key sees suites and optimizations with every write control disabled", { timeout: 60000 }, async () => {
  await session.context?.close();
  Object.assign(session, await newPage(session.browser));
  const { page } = session;
  // A second run of the same request proposes the same version again, and waits for a decision.
  const again = await admin("POST", "/optimizations", {
    prompt: { name: seed.optimizePrompt, version: `v1` }, dataset: { name: seed.optimization.dataset.name }, evaluators: [{ type: "exact_match", trim: true }],
    model: { connection: "stub" }, optimizer: { connection: "stub", model: "stub-optimizer" }, budget: { max_rounds: 3, max_model_calls: 500 },
    candidates_per_round: 1, validation: "validation",
  });
  assert.equal(again.status, 202, again.text);
  await signIn(page, keys.reader);
  for (const [url, ready] of [
    [`/suites/${seed.suite}`, () => page.getByRole("button", { name: "Run now" })],
    [`/optimizations/${again.json.id}`, () => page.getByRole("button", { name: "Accept" })],
  ]) {
    await page.goto(url);
    await ready().waitFor({ timeout: 60000 });
    assert.equal(await page.locator("button[data-gated]:enabled").count(), 0, `an enabled write control on ${url}`);
    for (const reason of await page.locator(".reason").allInnerTexts()) assert.match(reason, /web-reader/);
    await assertAccessible(page, `${url} as a read-only key`);
  }
});
