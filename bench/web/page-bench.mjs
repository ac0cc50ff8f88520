// The web page against the local host with 1,000 prompts: how long until a prompt's page is interactive, and how
// many compressed bytes of JavaScript the first page costs. Figures go to docs/benchmarks.md.
//
//   functions/PromptFunctions.Web/build.sh && dotnet build functions/PromptFunctions.LocalHost -c Release
//   node bench/web/page-bench.mjs [runs=15] [prompts=1000]
//
// Starts its own in-memory Azurite, stub model and local host (functions/PromptFunctions.Web/tests/harness.mjs),
// seeds the prompts through the API, then for each run opens a fresh browser context (empty cache, key already in
// session storage) and navigates straight to one prompt's page. "Interactive" is the moment the page shows the
// prompt's tags, its version list and the selected version's template, with the edit control enabled: what a
// person needs before they can act. Measured in the page as performance.now() (ms since navigation start).
// Same-run baseline: the API calls that page makes, in the same dependency order, from Node with keep-alive
// (the floor any client of this API pays), and a blank page from the same host.
import { startStack, launchBrowser, api } from "../../functions/PromptFunctions.Web/tests/harness.mjs";

const runs = Number(process.argv[2] ?? 15);
const promptCount = Number(process.argv[3] ?? 1000);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const p95 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]; };
const ms = (x) => `${x.toFixed(0)} ms`;

const stack = await startStack();
try {
  const admin = api(stack.baseUrl, stack.keys.admin);
  const seedStart = Date.now();
  const version = (i, n) => ({
    template: [
      { role: "system", content: `You are the support agent for product ${i}. Answer in {{language}}, briefly and politely.\nRevision ${n}.` },
      { role: "user", content: "{{question}}" },
    ],
    model: { provider: "openai", name: "gpt-4o-mini" },
    invocation_parameters: { temperature: 0.2, max_tokens: 400 },
  });
  const names = Array.from({ length: promptCount }, (_, i) => `bench-prompt-${String(i).padStart(4, "0")}`);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < names.length) {
      const i = next++;
      const r = await admin("POST", `/prompts/${names[i]}/versions`, { version: version(i, 1), message: "seed", tags: i % 3 === 0 ? ["production", "staging"] : ["staging"] });
      if (r.status !== 201) throw new Error(`seeding ${names[i]}: ${r.status} ${r.text}`);
    }
  }));
  // The measured prompt has a history: five versions, tags moved along the way.
  const target = names[Math.floor(promptCount / 2)];
  for (let n = 2; n <= 5; n++) await admin("POST", `/prompts/${target}/versions`, { version: version(500, n), message: `revision ${n}`, parent: `v${n - 1}`, tags: ["staging"] });
  await admin("PUT", `/prompts/${target}/tags/production`, { version: "v4", reason: "release" });
  console.log(`seeded ${promptCount} prompts in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; measuring ${target}`);

  const browser = await launchBrowser();
  const url = `${stack.baseUrl}/prompts/${target}`;
  const interactive = () => document.querySelector("#version-heading") && document.querySelectorAll(".version-list li").length >= 5
    && document.querySelector("#tags-heading") && document.querySelector(".messages") && [...document.querySelectorAll("a.button.primary")].some((a) => a.textContent.includes("Edit"));

  const cold = [], warm = [], blank = [], listFirst = [], listCold = [];
  let jsBytes = null;
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    await context.addInitScript((key) => sessionStorage.setItem("pf.apiKey", key), stack.keys.admin);
    const page = await context.newPage();
    const js = [];
    let recording = run === 0;
    if (recording) {
      page.on("response", async (response) => {
        if (!recording || !response.url().endsWith(".js")) return;
        const headers = await response.allHeaders();
        js.push({ url: response.url().replace(stack.baseUrl, ""), encoding: headers["content-encoding"] ?? "identity", bytes: Number(headers["content-length"]) });
      });
    }
    await page.goto(`${stack.baseUrl}/favicon.svg`, { waitUntil: "load" });
    blank.push(await page.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd));

    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(interactive, null, { polling: "raf", timeout: 10000 });
    cold.push(await page.evaluate(() => performance.now()));
    if (recording) { jsBytes = [...js]; recording = false; }

    // Again in the same context: hashed assets come from the browser cache without a request.
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(interactive, null, { polling: "raf", timeout: 10000 });
    warm.push(await page.evaluate(() => performance.now()));

    await page.goto(`${stack.baseUrl}/prompts`, { waitUntil: "commit" });
    await page.waitForFunction(() => document.querySelectorAll("table.grid tbody tr").length >= 100, null, { polling: "raf", timeout: 10000 });
    listFirst.push(await page.evaluate(() => performance.now()));
    await page.waitForFunction(() => !document.querySelector("table.grid tbody td .muted")?.textContent.includes("…"), null, { polling: "raf", timeout: 10000 });
    listCold.push(await page.evaluate(() => performance.now()));
    await context.close();
  }
  await browser.close();

  // The same API calls the prompt page makes, in its order: /me, then the prompt and its versions, then the
  // selected version, its variables and the diff (in parallel).
  const reader = api(stack.baseUrl, stack.keys.admin);
  const floor = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await reader("GET", "/me");
    await Promise.all([reader("GET", `/prompts/${target}`), reader("GET", `/prompts/${target}/versions?limit=50`)]);
    await Promise.all([reader("GET", `/prompts/${target}/versions/v5`), reader("GET", `/prompts/${target}/versions/v5/variables`),
      reader("GET", `/prompts/${target}/diff?from=tag:production&to=latest`)]);
    floor.push(performance.now() - start);
  }

  const firstPageJs = jsBytes.reduce((sum, f) => sum + f.bytes, 0);
  console.log("\nJavaScript sent for the first page (cold cache):");
  for (const f of jsBytes) console.log(`  ${f.url}  ${f.encoding}  ${(f.bytes / 1024).toFixed(1)} KiB`);
  console.log(`  total ${(firstPageJs / 1024).toFixed(1)} KiB compressed (target < 150 KB)`);
  console.log(`\nprompt page interactive, cold cache: median ${ms(median(cold))}, p95 ${ms(p95(cold))} (target < 1 s) over ${runs} runs`);
  console.log(`prompt page interactive, warm cache: median ${ms(median(warm))}, p95 ${ms(p95(warm))}`);
  console.log(`prompt list with ${promptCount} prompts, first 100 rows shown: median ${ms(median(listFirst))}; with their environment columns: median ${ms(median(listCold))}`);
  console.log(`baseline: the page's API calls from Node: median ${ms(median(floor))}; blank page (favicon) load: median ${ms(median(blank))}`);
  console.log(`ratio: cold prompt page / (blank page + API calls) = ${(median(cold) / (median(blank) + median(floor))).toFixed(2)}x`);
} finally {
  await stack.stop();
}
