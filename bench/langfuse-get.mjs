// prompt.get throughput of the real @langfuse/client against a running host, printed as one JSON object.
//
//   PF_BASE_URL=http://127.0.0.1:7071 PF_KEY_NAME=local-admin PF_KEY=pf-local-admin-key-change-me node bench/langfuse-get.mjs
//
// Environment:
//   PF_BASE_URL            host root (the client calls {root}/api/public/v2/prompts/...)      required
//   PF_KEY_NAME, PF_KEY    the API key's name (Langfuse public key) and secret (secret key)     required
//   PF_PROMPT              prompt to fetch; default "bench-langfuse-get", created with the
//                          'production' label when missing (that needs a key with write and promote)
//   PF_BENCH_SECONDS       seconds per measurement, default 5
//   PF_BENCH_CONCURRENCY   comma-separated in-flight calls for the uncached runs, default "1,16"
//
// Measurements:
//   cache_hit  one client, prompt fetched once, then get() in a loop: every call is a fresh hit of the
//              client's in-memory cache (default TTL 60 s) and never reaches the server.
//   ttl_0      get(name, {cacheTtlSeconds: 0}): every call is a request to the server (label production),
//              with N calls in flight; latency percentiles per call.
// The package comes from tests/compat/node_modules (run `npm ci` there first), so the benchmark uses exactly
// the client version the compatibility suite proves.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";

const here = dirname(fileURLToPath(import.meta.url));
const clientEntry = resolve(here, "../tests/compat/node_modules/@langfuse/client/dist/index.mjs");
if (!existsSync(clientEntry)) {
  console.error(`bench/langfuse-get.mjs: ${clientEntry} is missing; run \`npm ci\` in tests/compat first.`);
  process.exit(2);
}
const { LangfuseClient } = await import(pathToFileURL(clientEntry).href);

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`bench/langfuse-get.mjs: set ${name} (see the header of this file).`);
    process.exit(2);
  }
  return value;
}

const baseUrl = required("PF_BASE_URL");
const publicKey = required("PF_KEY_NAME");
const secretKey = required("PF_KEY");
const promptName = process.env.PF_PROMPT ?? "bench-langfuse-get";
const seconds = Number(process.env.PF_BENCH_SECONDS ?? 5);
const concurrencies = (process.env.PF_BENCH_CONCURRENCY ?? "1,16").split(",").map(Number);
if (!(seconds > 0) || concurrencies.some((c) => !Number.isInteger(c) || c < 1)) {
  console.error("bench/langfuse-get.mjs: PF_BENCH_SECONDS must be > 0 and PF_BENCH_CONCURRENCY positive integers.");
  process.exit(2);
}

const newClient = () => new LangfuseClient({ baseUrl, publicKey, secretKey });

async function ensurePrompt() {
  const langfuse = newClient();
  try {
    await langfuse.prompt.get(promptName, { cacheTtlSeconds: 0, maxRetries: 0 });
  } catch (error) {
    if (error?.statusCode !== 404) throw error;
    await langfuse.prompt.create({
      name: promptName,
      type: "chat",
      prompt: [
        { role: "system", content: "You are a support agent for {{product}}. Answer in {{language}}." },
        { type: "placeholder", name: "history" },
        { role: "user", content: "{{question}}" },
      ],
      config: { model: "gpt-4o-mini", temperature: 0.2, max_tokens: 400 },
      labels: ["production"],
      commitMessage: "benchmark prompt",
    });
  } finally {
    await langfuse.shutdown();
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n, digits = 3) => (n === null ? null : Number(n.toFixed(digits)));

async function cacheHit() {
  const langfuse = newClient();
  const first = await langfuse.prompt.get(promptName);
  const deadline = performance.now() + seconds * 1000;
  let calls = 0;
  const started = performance.now();
  let now = started;
  while (now < deadline) {
    // Check the clock every 1,000 calls: reading it costs about as much as a cache hit.
    for (let i = 0; i < 1000; i++) {
      const prompt = await langfuse.prompt.get(promptName);
      if (prompt.version !== first.version) throw new Error("the cache returned another version");
    }
    calls += 1000;
    now = performance.now();
  }
  await langfuse.shutdown();
  const elapsed = (now - started) / 1000;
  return { calls, seconds: round(elapsed), calls_per_second: Math.round(calls / elapsed) };
}

async function uncached(concurrency) {
  const langfuse = newClient();
  for (let i = 0; i < 100; i++) await langfuse.prompt.get(promptName, { cacheTtlSeconds: 0 });
  const latencies = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let failures = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await langfuse.prompt.get(promptName, { cacheTtlSeconds: 0, maxRetries: 0 });
        latencies.push(performance.now() - t0);
      } catch {
        failures++;
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  await langfuse.shutdown();
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    calls: latencies.length,
    failures,
    seconds: round(elapsed),
    calls_per_second: Math.round(latencies.length / elapsed),
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
  };
}

await ensurePrompt();
const result = {
  benchmark: "langfuse-prompt-get",
  client: "@langfuse/client",
  prompt: promptName,
  base_url: baseUrl,
  seconds_per_measurement: seconds,
  cache_hit: await cacheHit(),
  ttl_0: [],
};
for (const concurrency of concurrencies) result.ttl_0.push(await uncached(concurrency));
console.log(JSON.stringify(result, null, 2));
