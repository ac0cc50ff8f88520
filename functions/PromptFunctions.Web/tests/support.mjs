// Shared by the browser tests: the browser, the API for setup, sign-in, axe scans and screenshots.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { api, launchBrowser, repoRoot } from "./harness.mjs";

export const baseUrl = process.env.PF_BASE_URL;
export const keys = { admin: process.env.PF_ADMIN_KEY, reader: process.env.PF_READER_KEY, writer: process.env.PF_WRITER_KEY };
if (!baseUrl) throw new Error("Run the browser tests through tests/run.mjs (npm test), which starts the host they need.");

export const admin = api(baseUrl, keys.admin);
// Every run takes the screenshots; they replace the README's copies in docs/screenshots/ only when asked
// (PF_UPDATE_SCREENSHOTS=1 ./test.sh), so a test run leaves the working tree as it found it.
const screenshots = process.env.PF_UPDATE_SCREENSHOTS === "1"
  ? join(repoRoot, "docs", "screenshots")
  : join(repoRoot, "functions", "PromptFunctions.Web", "test-results", "screenshots");

/** A unique name per run, so tests never depend on what another test wrote. */
export const unique = (stem) => `${stem}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

export async function openBrowser() {
  const browser = await launchBrowser();
  return { browser, ...(await newPage(browser)) };
}

/** A fresh context (empty storage and cache) and page in a running browser. */
export async function newPage(browser) {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 }, locale: "en-US", timezoneId: "UTC" });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  return { context, page, consoleErrors };
}

export async function signIn(page, key) {
  await page.goto("/");
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Prompts" }).waitFor();
}

/** axe-core over the page as it is: no serious or critical violations (WCAG 2.1 A and AA rules). */
export async function assertAccessible(page, where) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`), [],
    `accessibility violations on ${where}`);
  return results.violations.length;
}

/** Runs a subtest; on failure saves what the page showed to test-results/ before failing. */
export function step(t, page, name, fn, options = {}) {
  return t.test(name, options, async () => {
    try {
      await fn();
    } catch (e) {
      mkdirSync(join(repoRoot, "functions/PromptFunctions.Web/test-results"), { recursive: true });
      await page.screenshot({ path: join(repoRoot, "functions/PromptFunctions.Web/test-results", `${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`), fullPage: true }).catch(() => {});
      throw e;
    }
  });
}

export async function screenshot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false });
}

/** Waits until an experiment has ended, through the API. */
export async function waitForExperiment(id, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { json } = await admin("GET", `/experiments/${id}`);
    if (["completed", "failed", "cancelled"].includes(json.status)) return json;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`experiment ${id} did not end within ${timeoutMs} ms`);
}

/** A prompt whose production version wraps the question, so the stub model answers wrong; and a dataset for it. */
export async function seedCycle() {
  const prompt = unique("support-answer");
  const dataset = unique("arithmetic");
  const created = await admin("POST", `/prompts/${prompt}/versions`, {
    version: {
      template: [{ role: "system", content: "You answer arithmetic questions with the number only." }, { role: "user", content: "Please answer: {{question}}" }],
      model: { provider: "openai_compatible", name: "stub-model" },
      invocation_parameters: { temperature: 0 },
    },
    message: "first draft",
    tags: ["production", "staging"],
  });
  assert.equal(created.status, 201, created.text);
  // The stub model answers "echo: X" with X, so the plain question passes exact match and the wrapped one fails.
  const csv = "question,expected,split\n" + [[4, 4], [8, 8], [3, 3], [15, 15], [42, 42], [7, 7]].map(([q, a]) => `echo: ${q},${a},test`).join("\n") + "\n";
  const upload = await admin("POST", `/datasets/${dataset}/versions?expected_column=expected&message=seed`, csv);
  assert.equal(upload.status, 201, upload.text);
  const started = await admin("POST", "/experiments", {
    name: `baseline ${prompt}`, prompt: { name: prompt, tag: "production" }, dataset: { name: dataset, split: "test" },
    evaluators: [{ type: "exact_match", trim: true }], max_concurrency: 6,
  });
  assert.equal(started.status, 202, started.text);
  const baseline = await waitForExperiment(started.json.id);
  assert.equal(baseline.status, "completed");
  return { prompt, dataset, baseline };
}
