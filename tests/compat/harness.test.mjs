// The harness itself: the host is up, keys are enforced. Client suites live in phoenix.test.mjs and
// langfuse.test.mjs beside this file.
import { test } from "node:test";
import assert from "node:assert/strict";

const base = process.env.PF_BASE_URL;

test("health answers without a key", async () => {
  const response = await fetch(`${base}/api/health`);
  assert.equal(response.status, 200);
});

test("the native API needs a key and accepts the admin key", async () => {
  assert.equal((await fetch(`${base}/api/prompts`)).status, 401);
  const response = await fetch(`${base}/api/prompts`, { headers: { authorization: `Bearer ${process.env.PF_ADMIN_KEY}` } });
  assert.equal(response.status, 200);
});
