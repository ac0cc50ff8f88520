// The web page's browser suite: starts Azurite, the stub model and the local host once (harness.mjs), runs every
// *.test.mjs here with node's test runner against them in Debian's Chromium, and stops everything.
// Screenshots of the main pages go to test-results/screenshots/ (docs/screenshots/ with PF_UPDATE_SCREENSHOTS=1). Exit code = the test runner's.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
// Model answers take a moment, so that a running experiment is seen running before it completes.
const stack = await startStack({ latencyMs: 150 });
let status = 1;
try {
  const files = readdirSync(here).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => join(here, f));
  const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...process.argv.slice(2), ...files], {
    stdio: "inherit",
    env: { ...process.env, PF_BASE_URL: stack.baseUrl, PF_ADMIN_KEY: stack.keys.admin, PF_READER_KEY: stack.keys.reader, PF_WRITER_KEY: stack.keys.writer },
  });
  status = run.status ?? 1;
  if (status !== 0) console.error(`--- local host log ---\n${stack.logs().slice(-8000)}`);
} finally {
  await stack.stop();
}
process.exit(status);
