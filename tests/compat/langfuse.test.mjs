// The real @langfuse/client against the Langfuse-compatible routes of the local host. Everything goes through the
// client's own functions (prompt.create/get/update/delete, compile, its cache); the native API is only used to
// check what was stored.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { LangfuseClient } from "@langfuse/client";

const base = process.env.PF_BASE_URL;
// The public key is the API key's name (run.mjs configures "compat-admin" etc.), the secret key its secret.
const admin = { publicKey: "compat-admin", secretKey: process.env.PF_ADMIN_KEY };
const reader = { publicKey: "compat-reader", secretKey: process.env.PF_READER_KEY };

const clients = [];
function client(keys = admin) {
  const langfuse = new LangfuseClient({ baseUrl: base, ...keys });
  clients.push(langfuse);
  return langfuse;
}
after(async () => {
  for (const langfuse of clients) await langfuse.shutdown();
});

let counter = 0;
const unique = (stem) => `${stem}-${process.pid}-${++counter}-${Date.now().toString(36)}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function native(path) {
  const response = await fetch(`${base}/api${path}`, { headers: { authorization: `Bearer ${process.env.PF_ADMIN_KEY}` } });
  assert.equal(response.status, 200, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

const langfuseError = (status, error) => (e) => {
  assert.equal(e.statusCode, status, `${e}`);
  assert.equal(e.body.error, error);
  assert.ok(e.body.message.length > 0);
  return true;
};

test("text prompt: create with labels and config, get by label and by version, compile with full mustache", async () => {
  const langfuse = client();
  const name = unique("lf-text");
  const config = { model: "gpt-4o-mini", temperature: 0.2, stop: "END", response_format: { type: "json_object" }, custom: { a: [1, "b"] } };

  const created = await langfuse.prompt.create({
    name,
    prompt: "Hello {{name}}{{#place}}, welcome to {{place}}{{/place}}. <b>{{html}}</b> {{missing}}",
    labels: ["staging"],
    config,
    tags: ["compat"],
    commitMessage: "first draft",
  });
  assert.equal(created.version, 1);
  assert.deepEqual([...created.labels].sort(), ["latest", "staging"]);
  assert.deepEqual(created.config, config);

  for (const options of [{ label: "staging" }, { label: "latest" }, { version: 1 }]) {
    const prompt = await langfuse.prompt.get(name, { ...options, cacheTtlSeconds: 0 });
    assert.equal(prompt.isFallback, false);
    assert.equal(prompt.type, "text");
    assert.equal(prompt.version, 1);
    assert.deepEqual(prompt.config, config);
    assert.deepEqual(prompt.tags, ["compat"]);
    assert.equal(prompt.commitMessage, "first draft");
    assert.equal(
      prompt.compile({ name: "Ada", place: "Paris", html: "<i>x</i>" }),
      "Hello Ada, welcome to Paris. <b><i>x</i></b> ");
  }

  // No label and no version means 'production', which this prompt does not have yet.
  await assert.rejects(langfuse.prompt.get(name, { cacheTtlSeconds: 0 }), langfuseError(404, "LangfuseNotFoundError"));
  await assert.rejects(langfuse.prompt.get(name, { version: 9, cacheTtlSeconds: 0 }), langfuseError(404, "LangfuseNotFoundError"));
});

test("chat prompt with placeholders: create, get, compile with and without placeholder values", async () => {
  const langfuse = client();
  const name = unique("lf-chat");
  await langfuse.prompt.create({
    name,
    type: "chat",
    prompt: [
      { role: "system", content: "You are {{persona}}." },
      { type: "placeholder", name: "history" },
      { role: "user", content: "{{question}}" },
    ],
    labels: ["production"],
    config: { model: "gpt-4o", max_tokens: 200 },
  });

  const prompt = await langfuse.prompt.get(name, { type: "chat" });
  assert.equal(prompt.type, "chat");
  assert.equal(prompt.version, 1);
  assert.deepEqual(prompt.config, { model: "gpt-4o", max_tokens: 200 });
  assert.deepEqual(prompt.compile(
    { persona: "a pirate", question: "Where is the treasure?" },
    { history: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Arr" }] }), [
    { role: "system", content: "You are a pirate." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Arr" },
    { role: "user", content: "Where is the treasure?" },
  ]);
  assert.deepEqual(prompt.compile({ persona: "a pirate", question: "?" }), [
    { role: "system", content: "You are a pirate." },
    { type: "placeholder", name: "history" },
    { role: "user", content: "?" },
  ]);
  assert.deepEqual(prompt.compile({ persona: "p", question: "q" }, { history: [] }), [
    { role: "system", content: "You are p." },
    { role: "user", content: "q" },
  ]);

  // Stored as our chat template with a placeholder message.
  const stored = await native(`/prompts/${name}/tags/production`);
  assert.deepEqual(stored.template.messages[1], { type: "placeholder", name: "history" });
  assert.equal(stored.template_format, "mustache");
});

test("prompt.update moves production with a history entry; a cached client serves stale, then fresh after its TTL", async () => {
  const admins = client();
  const app = client();
  const name = unique("lf-move");
  await admins.prompt.create({ name, prompt: "version one", labels: ["production"] });
  await admins.prompt.create({ name, prompt: "version two", labels: ["staging"] });

  const first = await app.prompt.get(name, { cacheTtlSeconds: 1 });
  assert.equal(first.version, 1);

  const updated = await admins.prompt.update({ name, version: 2, newLabels: ["production"] });
  assert.deepEqual([...updated.labels].sort(), ["latest", "production", "staging"]);
  assert.equal((await admins.prompt.get(name, { cacheTtlSeconds: 0 })).version, 2, "the server serves the move at once");

  // Within its TTL the app's cache answers without asking the server.
  assert.equal((await app.prompt.get(name, { cacheTtlSeconds: 1 })).version, 1);
  await sleep(1100);
  // Expired: the stale prompt comes back at once while one refresh runs in the background ...
  assert.equal((await app.prompt.get(name, { cacheTtlSeconds: 1 })).version, 1);
  // ... and once it has landed, the cache serves the new production version.
  let version = 1;
  const deadline = Date.now() + 5000;
  while (version !== 2 && Date.now() < deadline) {
    await sleep(50);
    version = (await app.prompt.get(name, { cacheTtlSeconds: 1 })).version;
  }
  assert.equal(version, 2);

  const history = await native(`/prompts/${name}/tags/production/history`);
  assert.equal(history.data[0].action, "move");
  assert.equal(history.data[0].from.sequence, 1);
  assert.equal(history.data[0].to.sequence, 2);
  assert.equal(history.data[0].actor, "compat-admin");
  assert.equal(history.data[1].action, "create");
});

test("a version created through Langfuse reads the same through the native API", async () => {
  const langfuse = client();
  const name = unique("lf-native");
  const created = await langfuse.prompt.create({
    name,
    type: "chat",
    prompt: [{ role: "system", content: "Answer in {{language}}." }, { role: "user", content: "{{question}}" }],
    config: { model: "claude-sonnet-4", provider: "anthropic", temperature: 0.5, max_tokens: 512, team: "support" },
    labels: ["staging"],
    commitMessage: "from langfuse",
  });

  // The prompt clients keep the server's response, id included, in promptResponse.
  const id = created.promptResponse.id;
  assert.match(id, /^[0-9a-f]{64}$/);
  const byId = await native(`/prompts/${name}/versions/${id}`);
  const bySequence = await native(`/prompts/${name}/versions/v1`);
  const byTag = await native(`/prompts/${name}/tags/staging`);
  for (const version of [byId, bySequence, byTag]) {
    assert.equal(version.id, id);
    assert.equal(version.sequence, 1);
    assert.deepEqual(version.template, {
      type: "chat",
      messages: [{ role: "system", content: "Answer in {{language}}." }, { role: "user", content: "{{question}}" }],
    });
    assert.deepEqual(version.model, { provider: "anthropic", name: "claude-sonnet-4" });
    assert.deepEqual(version.invocation_parameters, { temperature: 0.5, max_tokens: 512 });
    assert.equal(version.created_by, "compat-admin");
    assert.equal(version.message, "from langfuse");
  }

  // And the other way round: the native render and the client's compile agree.
  const render = await fetch(`${base}/api/prompts/${name}/render`, {
    method: "POST",
    headers: { authorization: `Bearer ${process.env.PF_ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ tag: "staging", variables: { language: "French", question: "Où?" } }),
  }).then((r) => r.json());
  const compiled = (await langfuse.prompt.get(name, { label: "staging", cacheTtlSeconds: 0 })).compile({ language: "French", question: "Où?" });
  assert.deepEqual(compiled, render.messages);
});

test("prompt.delete by version and of the whole prompt; the client's list sees it", async () => {
  const langfuse = client();
  const name = unique("lf-delete");
  await langfuse.prompt.create({ name, prompt: "one", labels: ["production"] });
  await langfuse.prompt.create({ name, prompt: "two" });

  const listed = await langfuse.api.prompts.list({ name });
  assert.equal(listed.meta.totalItems, 1);
  assert.deepEqual(listed.data[0].versions, [1, 2]);
  assert.deepEqual(listed.data[0].labels, ["latest", "production"]);

  await langfuse.prompt.delete(name, { version: 2 });
  assert.equal((await langfuse.prompt.get(name, { label: "latest", cacheTtlSeconds: 0 })).version, 1);
  await assert.rejects(langfuse.prompt.get(name, { version: 2, cacheTtlSeconds: 0 }), langfuseError(404, "LangfuseNotFoundError"));

  await langfuse.prompt.delete(name);
  await assert.rejects(langfuse.prompt.get(name, { cacheTtlSeconds: 0 }), langfuseError(404, "LangfuseNotFoundError"));
  assert.equal((await langfuse.api.prompts.list({ name })).meta.totalItems, 0);
});

test("credentials: the public key must be the key's name, and roles apply", async () => {
  const name = unique("lf-auth");
  await client().prompt.create({ name, prompt: "hi", labels: ["production"] });

  const readerClient = client(reader);
  assert.equal((await readerClient.prompt.get(name, { cacheTtlSeconds: 0 })).prompt, "hi");
  await assert.rejects(readerClient.prompt.create({ name, prompt: "nope" }), langfuseError(403, "ForbiddenError"));
  await assert.rejects(readerClient.prompt.update({ name, version: 1, newLabels: ["staging"] }), langfuseError(403, "ForbiddenError"));

  const wrongName = client({ publicKey: "compat-admin", secretKey: process.env.PF_READER_KEY });
  await assert.rejects(wrongName.prompt.get(name, { cacheTtlSeconds: 0 }), langfuseError(401, "UnauthorizedError"));
  const wrongSecret = client({ publicKey: "compat-admin", secretKey: "not-the-secret-0123456789" });
  await assert.rejects(wrongSecret.prompt.get(name, { cacheTtlSeconds: 0 }), langfuseError(401, "UnauthorizedError"));

  // A fallback still works the Langfuse way when the server refuses.
  const fallback = await wrongSecret.prompt.get(name, { cacheTtlSeconds: 0, fallback: "fallback {{x}}" });
  assert.equal(fallback.isFallback, true);
  assert.equal(fallback.compile({ x: 1 }), "fallback 1");
});

test("labels that cannot be tags here are refused with the reason", async () => {
  const langfuse = client();
  const name = unique("lf-labels");
  await assert.rejects(langfuse.prompt.create({ name, prompt: "x", labels: ["v1.0"] }), (e) => {
    assert.equal(e.statusCode, 400);
    assert.equal(e.body.error, "InvalidRequestError");
    assert.match(e.body.message, /labels\[0\].*'v1\.0' cannot be stored.*no '\.'/);
    return true;
  });
  await assert.rejects(langfuse.prompt.get("team/greeting", { cacheTtlSeconds: 0 }), (e) => {
    assert.equal(e.statusCode, 400);
    assert.match(e.body.message, /'team\/greeting'.*folders/);
    return true;
  });
});
