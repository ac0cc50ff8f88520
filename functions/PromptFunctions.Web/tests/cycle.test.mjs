// The whole cycle a prompt writer goes through, in the browser against the real local host: sign in, open a prompt,
// edit a new version (trying the draft in the playground first), diff it with production, run it on a dataset with
// an evaluator, compare with the baseline experiment, promote to staging, move production with a reason, roll back,
// see the history. Every page on the way is scanned with axe-core, and the main ones are photographed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { admin, assertAccessible, openBrowser, screenshot, seedCycle, signIn, step, keys, unique } from "./support.mjs";

let session, seed;
before(async () => {
  [session, seed] = await Promise.all([openBrowser(), seedCycle(), seedNeighbours()]);
});

/** A few more prompts, so the list and its drift view show environments that agree and differ. */
async function seedNeighbours() {
  const version = (text) => ({ template: [{ role: "system", content: text }, { role: "user", content: "{{input}}" }], model: { provider: "openai", name: "gpt-4o-mini" } });
  for (const [stem, steps] of [["billing-summary", [["development", "staging", "production"], ["development", "staging"]]],
    ["welcome-email", [["development", "staging", "production"]]], ["ticket-triage", [["production"], ["staging"], ["development"]]]]) {
    const name = unique(stem);
    for (const [i, tags] of steps.entries()) {
      const r = await admin("POST", `/prompts/${name}/versions`, { version: version(`${stem} revision ${i + 1}`), message: `revision ${i + 1}`, tags });
      assert.equal(r.status, 201, r.text);
    }
  }
}
after(async () => {
  await session?.browser.close();
});

test("a prompt writer's whole cycle", { timeout: 180000 }, async (t) => {
  const { page } = session;
  const { prompt, dataset, baseline } = seed;

  await step(t, page, "sign in", async () => {
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await assertAccessible(page, "sign-in");
    await screenshot(page, "sign-in");
    await page.getByLabel("API key").fill("not-a-key-of-this-service");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "does not know this key" }).waitFor();
    await signIn(page, keys.admin);
    await page.getByText("Signed in as web-admin").waitFor();
  });

  await step(t, page, "find the prompt in the list with its tags", async () => {
    await page.getByLabel("Search prompts").fill(prompt);
    const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: prompt, exact: true }) });
    // The environment columns fill in after the rows (they come from /api/tags).
    await row.locator(".version").first().waitFor();
    assert.match(await row.innerText(), /v1/);
    await assertAccessible(page, "prompts");
    await page.getByLabel("Search prompts").fill("");
    await screenshot(page, "prompts");
    await page.getByLabel("Search prompts").fill(prompt);
    await row.getByRole("link", { name: prompt, exact: true }).click();
    await page.getByRole("heading", { level: 1, name: prompt }).waitFor();
    await page.getByRole("heading", { name: "Version v1" }).waitFor();
    await assertAccessible(page, "prompt page");
  });

  await step(t, page, "edit: variables are detected live; the draft runs in the playground beside production", async () => {
    await page.getByRole("link", { name: "Edit as new version" }).click();
    await page.getByRole("heading", { level: 1, name: `Edit ${prompt}` }).waitFor();
    const variables = page.getByRole("region", { name: "Variables" });
    await page.getByLabel("Message 1 content").fill("You answer arithmetic questions in {{language}}.");
    await variables.getByText("language").waitFor();
    await page.getByLabel("Message 1 content").fill("You answer arithmetic questions with the number only.");
    await variables.getByText("language").waitFor({ state: "detached" });
    await page.getByLabel("Message 2 content").fill("{{question}}");
    await page.getByLabel("Message for this version").fill("ask the plain question");
    await assertAccessible(page, "editor");
    await screenshot(page, "edit");

    await page.getByRole("button", { name: "Try in playground" }).click();
    await page.getByRole("heading", { level: 1, name: `Playground: ${prompt}` }).waitFor();
    assert.equal(await page.getByLabel("Run").inputValue(), "draft");
    await page.getByLabel("Rows of a dataset").check();
    await page.getByLabel("Dataset", { exact: true }).selectOption(dataset);
    await page.getByLabel("Rows (at most 20)").fill("3");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const results = page.getByRole("table").filter({ hasText: "Draft output" });
    await results.waitFor();
    assert.equal(await results.locator(".score.pass").count(), 3, "the draft passes every row");
    assert.equal(await results.locator(".score.fail").count(), 3, "production fails every row");
    await assertAccessible(page, "playground");
    await screenshot(page, "playground");
    await page.goBack();
  });

  await step(t, page, "save the edit as v2; saving it again says the content exists", async () => {
    await page.getByRole("heading", { level: 1, name: `Edit ${prompt}` }).waitFor();
    await page.getByLabel("Message 2 content").fill("{{question}}");
    await page.getByLabel("Message for this version").fill("ask the plain question");
    await page.getByRole("button", { name: "Save as new version" }).click();
    await page.getByRole("heading", { name: "Version v2" }).waitFor();
    // The lineage names parents by sequence once the version list is in (it may arrive after the version).
    await page.getByRole("region", { name: "Version v2" }).getByText("v2 ← v1", { exact: true }).waitFor();

    await page.getByRole("link", { name: "Edit as new version" }).click();
    await page.getByRole("heading", { level: 1, name: `Edit ${prompt}` }).waitFor();
    await page.getByRole("button", { name: "Save as new version" }).click();
    await page.getByRole("status").filter({ hasText: "Identical content already exists as v2" }).waitFor();
    await page.getByRole("link", { name: "Cancel" }).click();
  });

  await step(t, page, "diff v2 with production", async () => {
    await page.getByRole("heading", { level: 1, name: prompt }).waitFor();
    await page.getByLabel("From", { exact: true }).selectOption("tag:production");
    await page.getByLabel("To", { exact: true }).selectOption("v2");
    const diff = page.locator(".diff");
    await diff.getByText("From v1 to v2").waitFor();
    // Each line is marked for the eye (+/-, colour) and for screen readers ("added:", "removed:").
    assert.match(await diff.locator(".text-diff .del").innerText(), /^-\s*removed:\s*Please answer: \{\{question\}\}\s*$/);
    assert.match(await diff.locator(".text-diff .ins").innerText(), /^\+\s*added:\s*\{\{question\}\}\s*$/);
    await page.getByRole("heading", { name: "Compare two versions" }).scrollIntoViewIfNeeded();
    await assertAccessible(page, "prompt page with diff");
    await screenshot(page, "diff");
  });

  let candidateId;
  await step(t, page, "run v2 on the dataset with an evaluator; progress shows without reloading", async () => {
    await page.getByRole("heading", { name: "Compare two versions" }).waitFor();
    await page.goto(`/prompts/${prompt}?v=v2`);
    await page.getByRole("link", { name: "Experiments" }).last().click();
    await page.getByRole("heading", { name: "Run an experiment" }).waitFor();
    assert.equal(await page.getByLabel("Prompt", { exact: true }).inputValue(), prompt);
    assert.equal(await page.getByLabel("Version", { exact: true }).inputValue(), "v2");
    await page.getByLabel("Name", { exact: true }).fill(`plain ${prompt}`);
    await page.getByLabel("Dataset").selectOption(dataset);
    await page.getByLabel("Split (empty: all)").fill("test");
    await page.getByLabel("Concurrent model calls").fill("1");
    assert.ok(await page.getByLabel("Exact match (trimmed)").isChecked());
    await assertAccessible(page, "experiments");
    await page.getByRole("button", { name: "Start" }).click();
    await page.getByRole("heading", { level: 1, name: `Experiment plain ${prompt}` }).waitFor();
    candidateId = page.url().split("/").pop();
    // One model call at a time, 150 ms each: the page shows the run before it shows the end, on its own.
    await page.locator(".status.queued, .status.running").first().waitFor();
    await page.locator(".status.completed").waitFor({ timeout: 60000 });
    await page.locator(".results .score.pass").nth(5).waitFor();
    assert.equal(await page.locator(".results .score.pass").count(), 6);
    await assertAccessible(page, "experiment");
    await screenshot(page, "experiment");
  });

  await step(t, page, "compare with the baseline experiment", async () => {
    await page.getByRole("link", { name: `Compare with another experiment on ${dataset}` }).click();
    await page.getByRole("heading", { level: 1, name: "Experiments" }).waitFor();
    await page.getByLabel(`Baseline: ${baseline.name}`).check();
    await page.getByLabel(`Candidate: plain ${prompt}`).check();
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByRole("heading", { level: 1, name: "Compare experiments" }).waitFor();
    const result = page.getByRole("region", { name: /exact_match/ });
    await result.getByText("Improved").waitFor();
    await result.getByText("pass rate: 0 → 1 (+1").waitFor();
    assert.match(await result.getByRole("img").getAttribute("aria-label"), /difference \+1, 95 % interval/);
    await assertAccessible(page, "compare");
    await screenshot(page, "compare");
    assert.ok(candidateId);
  });

  await step(t, page, "promote the candidate to staging", async () => {
    await page.getByLabel("Tag (empty: save without tagging)").fill("staging");
    await page.getByLabel("Message", { exact: true }).fill("plain question wins");
    await page.getByRole("button", { name: "Promote" }).click();
    await page.getByRole("status").filter({ hasText: "Already saved as v2; staging moved to it" }).waitFor();
  });

  await step(t, page, "move production with a reason, roll back, see the history", async () => {
    await page.goto(`/prompts/${prompt}`);
    const tags = page.getByRole("region", { name: "Tags" });
    const production = tags.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /^production/ }) });
    assert.match(await tags.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /^staging/ }) }).innerText(), /v2/);
    assert.match(await production.innerText(), /v1/);

    await page.getByRole("button", { name: "Move production" }).click();
    await page.getByLabel("To version").selectOption("v2");
    await page.getByLabel("Reason").fill("plain question wins on arithmetic");
    await page.getByRole("button", { name: "Move tag" }).click();
    await production.getByText("v2").waitFor();

    await page.getByRole("button", { name: "Roll back production" }).click();
    await page.getByLabel("Reason").fill("checking the rollback path");
    await page.getByRole("button", { name: "Roll back", exact: true }).click();
    await production.getByText("v1").waitFor();

    await page.getByRole("button", { name: "History of production" }).click();
    const history = page.getByRole("region", { name: "History of production" });
    await history.getByText("checking the rollback path").waitFor();
    const rows = await history.getByRole("row").allInnerTexts();
    assert.equal(rows.length, 4, rows.join("\n"));
    assert.match(rows[1], /rollback: v2 → v1.*web-admin.*checking the rollback path/s);
    assert.match(rows[2], /move: v1 → v2.*web-admin.*plain question wins on arithmetic/s);
    assert.match(rows[3], /create: – → v1.*first draft/s);
    await assertAccessible(page, "prompt page with history");
    await screenshot(page, "prompt");
  });

  await step(t, page, "the page logged no errors", () => {
    // Failed requests the tests provoked on purpose (the wrong key) are the only console errors allowed.
    assert.deepEqual(session.consoleErrors.filter((e) => !/401/.test(e)), []);
  });
});
