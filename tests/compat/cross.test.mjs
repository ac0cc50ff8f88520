// A version written through one client is read through the other, and through the native API, with the same
// content: the Phoenix and Langfuse routes are two views of one store.
import { test } from "node:test";
import assert from "node:assert/strict";

const base = process.env.PF_BASE_URL;
const adminKey = process.env.PF_ADMIN_KEY;
process.env.PHOENIX_HOST = `${base}/api`;
process.env.PHOENIX_API_KEY = adminKey;
process.env.PHOENIX_DISCOVER_CONFIG = "false";

const { createPrompt, promptVersion, getPrompt, toSDK } = await import("@arizeai/phoenix-client/prompts");
const { LangfuseClient } = await import("@langfuse/client");
const langfuse = new LangfuseClient({ baseUrl: base, publicKey: "compat-admin", secretKey: adminKey });
const unique = `${Date.now().toString(36)}-${process.pid}`;

async function native(path) {
  const response = await fetch(`${base}/api${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
  return { status: response.status, body: await response.json() };
}

test("a prompt created through Phoenix reads the same through Langfuse and the native API", async () => {
  const name = `cross-phoenix-${unique}`;
  const created = await createPrompt({
    name,
    description: "made in phoenix",
    version: promptVersion({
      modelProvider: "OPENAI",
      modelName: "gpt-4o-mini",
      template: [
        { role: "system", content: "You answer in {{language}}." },
        { role: "user", content: "{{question}}" },
      ],
      invocationParameters: { temperature: 0.3, max_tokens: 200 },
    }),
  });
  assert.ok(created?.id);

  const viaLangfuse = await langfuse.prompt.get(name, { version: 1, cacheTtlSeconds: 0 });
  assert.equal(viaLangfuse.type, "chat");
  assert.equal(viaLangfuse.version, 1);
  assert.deepEqual(viaLangfuse.prompt.map((m) => ({ role: m.role, content: m.content })), [
    { role: "system", content: "You answer in {{language}}." },
    { role: "user", content: "{{question}}" },
  ]);
  assert.equal(viaLangfuse.config.model, "gpt-4o-mini");
  assert.equal(viaLangfuse.config.temperature, 0.3);
  assert.equal(viaLangfuse.config.max_tokens, 200);
  assert.deepEqual(viaLangfuse.compile({ language: "French", question: "Bonjour?" }).map((m) => m.content), ["You answer in French.", "Bonjour?"]);

  const viaNative = await native(`/prompts/${name}/versions/v1`);
  assert.equal(viaNative.status, 200);
  assert.equal(viaNative.body.model.name, "gpt-4o-mini");
  assert.equal(viaNative.body.template.messages[1].content, "{{question}}");
  assert.equal(viaNative.body.sequence, viaLangfuse.version);
});

test("a prompt created through Langfuse reads the same through Phoenix and the native API", async () => {
  const name = `cross-langfuse-${unique}`;
  await langfuse.prompt.create({
    name,
    type: "chat",
    prompt: [
      { role: "system", content: "Be brief about {{topic}}." },
      { role: "user", content: "{{question}}" },
    ],
    labels: ["staging"],
    config: { model: "gpt-4o", temperature: 0.1 },
    commitMessage: "made in langfuse",
  });

  const viaPhoenix = await getPrompt({ prompt: { name, tag: "staging" } });
  assert.ok(viaPhoenix, "Phoenix reads the Langfuse-labelled version by tag");
  assert.equal(viaPhoenix.model_name, "gpt-4o");
  assert.equal(viaPhoenix.template_type, "CHAT");
  assert.equal(viaPhoenix.template_format, "MUSTACHE");
  assert.deepEqual(viaPhoenix.template.messages, [
    { role: "system", content: "Be brief about {{topic}}." },
    { role: "user", content: "{{question}}" },
  ]);
  assert.equal(viaPhoenix.invocation_parameters.openai.temperature, 0.1);
  const sdk = toSDK({ sdk: "openai", prompt: viaPhoenix, variables: { topic: "tides", question: "Why?" } });
  assert.equal(sdk.model, "gpt-4o");
  assert.deepEqual(sdk.messages.map((m) => m.content), ["Be brief about tides.", "Why?"]);

  const viaNative = await native(`/prompts/${name}/tags/staging`);
  assert.equal(viaNative.status, 200);
  assert.equal(viaNative.body.message, "made in langfuse");
  assert.equal(viaNative.body.template.messages[0].content, "Be brief about {{topic}}.");
});
