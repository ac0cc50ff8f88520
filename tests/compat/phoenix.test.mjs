// @arizeai/phoenix-client against the Phoenix-compatible routes of the local host. Only the client's public
// functions are used; every check is on values, because getPrompt turns any failure into null.
import { test, before } from "node:test";
import assert from "node:assert/strict";

const base = process.env.PF_BASE_URL;
const keys = { admin: process.env.PF_ADMIN_KEY, reader: process.env.PF_READER_KEY, writer: process.env.PF_WRITER_KEY };

// The client reads its configuration from the environment when a client is created; no .env.phoenix lookups.
process.env.PHOENIX_HOST = `${base}/api`;
process.env.PHOENIX_API_KEY = keys.admin;
process.env.PHOENIX_DISCOVER_CONFIG = "false";

const { createClient } = await import("@arizeai/phoenix-client");
const { createPrompt, promptVersion, getPrompt, listPrompts, toSDK } = await import("@arizeai/phoenix-client/prompts");

/** A client created with PHOENIX_API_KEY set to `key`, as an application with that key would. */
function clientWithKey(key) {
  const previous = process.env.PHOENIX_API_KEY;
  process.env.PHOENIX_API_KEY = key;
  try {
    return createClient();
  } finally {
    process.env.PHOENIX_API_KEY = previous;
  }
}

const client = createClient();
const unique = `${Date.now().toString(36)}-${process.pid}`;

/** The native API, to show that what Phoenix writes is what the hub stores. */
async function native(path, init = {}) {
  const response = await fetch(`${base}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${keys.admin}`, ...(init.headers ?? {}) },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

function withoutId(version) {
  const { id, ...rest } = version;
  assert.equal(typeof id, "string");
  return rest;
}

// getPrompt logs the errors it swallows; keep the test output readable while still asserting on the null.
async function quietly(fn) {
  const original = console.error;
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.error = original;
  }
}

const name = `phx-${unique}`;
const firstVersion = promptVersion({
  modelProvider: "OPENAI",
  modelName: "gpt-4o-mini",
  template: [
    { role: "system", content: "You answer in {{language}}." },
    { role: "user", content: "Hello {{ name }}, how is {{city}}?" },
  ],
  invocationParameters: { temperature: 0.5, max_tokens: 256, stop: ["END"] },
});
let v1;
let v2;

before(async () => {
  v1 = await createPrompt({ client, name, description: "demo prompt", metadata: { team: "qa" }, version: firstVersion });
});

test("createPrompt returns exactly the version it was given, plus an opaque id", () => {
  assert.deepEqual(withoutId(v1), firstVersion);
  assert.match(v1.id, /^[A-Za-z0-9_-]+$/, "ids must survive a URL path segment unescaped");
});

test("the server announces a Phoenix version that the client parses", async () => {
  const version = await client.getServerVersion();
  assert.deepEqual(version, [15, 5, 0]);
  const fresh = createClient();
  // Before any other call, the client falls back to GET /arize_phoenix_version.
  assert.deepEqual(await fresh.getServerVersion(), [15, 5, 0]);
});

test("getPrompt by name, by version id and by tag", async () => {
  assert.deepEqual(await getPrompt({ client, prompt: { name } }), v1);
  assert.deepEqual(await getPrompt({ client, prompt: { versionId: v1.id } }), v1);

  const tagged = await client.POST("/v1/prompt_versions/{prompt_version_id}/tags", {
    params: { path: { prompt_version_id: v1.id } },
    body: { name: "staging", description: "first cut" },
  });
  assert.equal(tagged.response.status, 204);
  assert.deepEqual(await getPrompt({ client, prompt: { name, tag: "staging" } }), v1);
});

test("createPrompt on an existing name appends a version and leaves the prompt's description and metadata alone", async () => {
  const second = promptVersion({
    modelProvider: "AZURE_OPENAI",
    modelName: "gpt-4o",
    description: "shorter answers",
    template: [
      { role: "system", content: "Answer briefly in {{language}}." },
      { role: "user", content: "Hello {{ name }}, how is {{city}}?" },
      { role: "ai", content: "Let me check." },
    ],
    invocationParameters: { temperature: 0.2, seed: 7 },
  });
  v2 = await createPrompt({ client, name, description: "ignored", metadata: { team: "ignored" }, version: second });

  // Phoenix's own write normalizations: OpenAI-compatible parameters under "openai"; we add ai -> assistant.
  assert.equal(v2.model_provider, "AZURE_OPENAI");
  assert.deepEqual(v2.invocation_parameters, { type: "openai", openai: { temperature: 0.2, seed: 7 } });
  assert.equal(v2.template.messages[2].role, "assistant");
  assert.equal(v2.description, "shorter answers");
  assert.notEqual(v2.id, v1.id);

  assert.deepEqual(await getPrompt({ client, prompt: { name } }), v2);
  const listed = (await listPrompts({ client })).find((p) => p.name === name);
  assert.ok(listed, "the prompt is listed");
  assert.equal(listed.description, "demo prompt");
  assert.deepEqual(listed.metadata, { team: "qa" });

  const versions = await client.GET("/v1/prompts/{prompt_identifier}/versions", { params: { path: { prompt_identifier: name } } });
  assert.deepEqual(versions.data.data.map((v) => v.id), [v2.id, v1.id]);
  assert.equal(versions.data.next_cursor, null);
});

test("tag create is an upsert that moves the tag, recorded in the native tag history", async () => {
  await client.POST("/v1/prompt_versions/{prompt_version_id}/tags", {
    params: { path: { prompt_version_id: v2.id } },
    body: { name: "staging", description: "promote v2" },
  });
  assert.equal((await getPrompt({ client, prompt: { name, tag: "staging" } })).id, v2.id);

  const onV2 = await client.GET("/v1/prompt_versions/{prompt_version_id}/tags", { params: { path: { prompt_version_id: v2.id } } });
  assert.deepEqual(onV2.data.data.map(({ name, description }) => ({ name, description })), [{ name: "staging", description: "promote v2" }]);
  const onV1 = await client.GET("/v1/prompt_versions/{prompt_version_id}/tags", { params: { path: { prompt_version_id: v1.id } } });
  assert.deepEqual(onV1.data.data, []);

  const history = await native(`/prompts/${name}/tags/staging/history`);
  assert.equal(history.status, 200);
  assert.deepEqual(history.body.data.map((e) => [e.action, e.to.sequence, e.reason, e.actor]), [
    ["move", 2, "promote v2", "compat-admin"],
    ["create", 1, "first cut", "compat-admin"],
  ]);
});

test("toSDK turns a fetched prompt into OpenAI parameters with the variables filled in", async () => {
  const prompt = await getPrompt({ client, prompt: { versionId: v1.id } });
  const params = toSDK({ sdk: "openai", prompt, variables: { language: "French", name: "Ada", city: "Paris" } });
  assert.equal(params.model, "gpt-4o-mini");
  assert.equal(params.temperature, 0.5);
  assert.equal(params.max_tokens, 256);
  assert.deepEqual(params.stop, ["END"]);
  assert.deepEqual(params.messages, [
    { role: "system", content: "You answer in French." },
    { role: "user", content: "Hello Ada, how is Paris?" },
  ]);
});

test("a version created through Phoenix reads the same through the native API", async () => {
  const latest = await native(`/prompts/${name}/latest`);
  assert.equal(latest.status, 200);
  assert.equal(latest.body.sequence, 2);
  assert.deepEqual(latest.body.model, { provider: "azure_openai", name: "gpt-4o" });
  assert.deepEqual(latest.body.invocation_parameters, v2.invocation_parameters.openai);
  assert.deepEqual(latest.body.template, { type: "chat", messages: v2.template.messages });
  assert.equal(latest.body.template_format, "mustache");
  assert.equal(latest.body.description, "shorter answers");

  const first = await native(`/prompts/${name}/versions/v1`);
  assert.deepEqual(first.body.template.messages, v1.template.messages);
  assert.deepEqual(first.body.invocation_parameters, { temperature: 0.5, max_tokens: 256, stop: ["END"] });
  assert.equal(first.body.description, undefined, "Phoenix's empty description is no description");

  // And the native render fills the same variables the way toSDK did.
  const rendered = await native(`/prompts/${name}/render`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ version: "v1", variables: { language: "French", name: "Ada", city: "Paris" } }),
  });
  assert.deepEqual(rendered.body.messages.map((m) => m.content), ["You answer in French.", "Hello Ada, how is Paris?"]);
});

test("tools, tool choice, response format and content parts round-trip unchanged", async () => {
  const version = {
    description: "with tools",
    model_provider: "OPENAI",
    model_name: "gpt-4o",
    template_type: "CHAT",
    template_format: "F_STRING",
    template: {
      type: "chat",
      messages: [
        { role: "developer", content: [{ type: "text", text: "Look up {order}." }] },
        { role: "assistant", content: [{ type: "tool_call", tool_call_id: "c1", tool_call: { type: "function", name: "lookup", arguments: "{\"id\":1}" } }] },
        { role: "tool", content: [{ type: "tool_result", tool_call_id: "c1", tool_result: { status: "shipped" } }] },
      ],
    },
    invocation_parameters: { type: "openai", openai: { temperature: 1, reasoning_effort: "low", extra_body: { user: "u1" } } },
    tools: {
      type: "tools",
      tools: [{ type: "function", function: { name: "lookup", description: "Find an order", parameters: { type: "object", properties: { id: { type: "integer" } } }, strict: true } }],
      tool_choice: { type: "specific_function", function_name: "lookup" },
      disable_parallel_tool_calls: true,
    },
    response_format: {
      type: "json_schema",
      json_schema: { name: "answer", schema: { type: "object", properties: { status: { type: "string" } }, required: ["status"] }, strict: true },
    },
  };
  const toolsName = `phx-tools-${unique}`;
  const created = await createPrompt({ client, name: toolsName, version });
  assert.deepEqual(withoutId(created), version);
  assert.deepEqual(await getPrompt({ client, prompt: { name: toolsName } }), created);

  const params = toSDK({ sdk: "openai", prompt: created, variables: { order: "42" } });
  assert.deepEqual(params.tool_choice, { type: "function", function: { name: "lookup" } });
  assert.equal(params.messages[0].content[0].text, "Look up 42.");
  assert.equal(params.response_format.json_schema.name, "answer");

  const stored = await native(`/prompts/${toolsName}/latest`);
  assert.deepEqual(stored.body.tools.tool_choice, { type: "function", function: { name: "lookup" } });
  assert.equal(stored.body.tools.parallel_tool_calls, false);
});

test("an Anthropic version keeps its own invocation parameters", async () => {
  const anthropicName = `phx-claude-${unique}`;
  const version = promptVersion({
    modelProvider: "ANTHROPIC",
    modelName: "claude-sonnet-4",
    template: [{ role: "user", content: "Summarize {{text}}" }],
    invocationParameters: { max_tokens: 1024, temperature: 0.3, thinking: { type: "enabled", budget_tokens: 2048 } },
  });
  const created = await createPrompt({ client, name: anthropicName, version });
  assert.deepEqual(withoutId(created), version);
  const params = toSDK({ sdk: "anthropic", prompt: created, variables: { text: "the news" } });
  assert.equal(params.max_tokens, 1024);
  assert.deepEqual(params.thinking, { type: "enabled", budget_tokens: 2048 });
  assert.deepEqual(params.messages, [{ role: "user", content: [{ type: "text", text: "Summarize the news" }] }]);
});

test("failures: getPrompt yields null, the raw client throws Phoenix's status codes", async () => {
  assert.equal(await quietly(() => getPrompt({ client, prompt: { name: `missing-${unique}` } })), null);
  assert.equal(await quietly(() => getPrompt({ client, prompt: { name, tag: "no-such-tag" } })), null);
  assert.equal(await quietly(() => getPrompt({ client, prompt: { versionId: "not-a-version-id" } })), null);

  await assert.rejects(
    client.GET("/v1/prompt_versions/{prompt_version_id}", { params: { path: { prompt_version_id: "not-a-version-id" } } }),
    (e) => e.name === "HttpError" && e.status === 422,
  );
  await assert.rejects(
    client.GET("/v1/prompts/{prompt_identifier}/latest", { params: { path: { prompt_identifier: `missing-${unique}` } } }),
    (e) => e.status === 404,
  );
  // Phoenix accepts only chat templates on create, and says so in a text/plain body.
  const refusal = await client
    .POST("/v1/prompts", {
      body: {
        prompt: { name: `phx-str-${unique}` },
        version: { ...firstVersion, template_type: "STR", template: { type: "string", template: "Hi {{name}}" } },
      },
    })
    .then(() => assert.fail("a string template was accepted"), (e) => e);
  assert.equal(refusal.status, 422);
  assert.equal(await refusal.response.text(), "Only CHAT template type is supported for prompts");
  assert.equal(await quietly(() => getPrompt({ client, prompt: { name: `phx-str-${unique}` } })), null);
});

test("keys and roles apply: a reader cannot write, protected tags need promote", async () => {
  const reader = clientWithKey(keys.reader);
  assert.deepEqual(await getPrompt({ client: reader, prompt: { name } }), v2);
  await assert.rejects(createPrompt({ client: reader, name: `phx-denied-${unique}`, version: firstVersion }));
  assert.equal((await native(`/prompts/phx-denied-${unique}`)).status, 404);

  const writer = clientWithKey(keys.writer);
  await assert.rejects(
    writer.POST("/v1/prompt_versions/{prompt_version_id}/tags", { params: { path: { prompt_version_id: v2.id } }, body: { name: "production" } }),
    (e) => e.status === 403,
  );
  assert.equal(await quietly(() => getPrompt({ client, prompt: { name, tag: "production" } })), null);
  await client.POST("/v1/prompt_versions/{prompt_version_id}/tags", { params: { path: { prompt_version_id: v2.id } }, body: { name: "production" } });
  assert.equal((await getPrompt({ client: writer, prompt: { name, tag: "production" } })).id, v2.id);

  const anonymous = createClient({ options: { headers: {} } });
  await assert.rejects(anonymous.GET("/v1/prompts"), (e) => e.status === 401);
});

test("PATCH and DELETE a prompt", async () => {
  const patched = await client.PATCH("/v1/prompts/{prompt_identifier}", {
    params: { path: { prompt_identifier: name } },
    body: { description: "patched", metadata: { team: "core" } },
  });
  assert.deepEqual(patched.data.data, { name, description: "patched", source_prompt_id: null, metadata: { team: "core" }, id: patched.data.data.id });

  const doomed = `phx-doomed-${unique}`;
  const created = await createPrompt({ client, name: doomed, version: firstVersion });
  const deleted = await client.DELETE("/v1/prompts/{prompt_identifier}", { params: { path: { prompt_identifier: doomed } } });
  assert.equal(deleted.response.status, 204);
  assert.equal(await quietly(() => getPrompt({ client, prompt: { name: doomed } })), null);
  assert.equal(await quietly(() => getPrompt({ client, prompt: { versionId: created.id } })), null);
  assert.equal((await native(`/prompts/${doomed}`)).status, 404);
});
