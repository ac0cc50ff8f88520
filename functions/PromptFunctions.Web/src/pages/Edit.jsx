import { useEffect, useMemo, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, ApiError } from "../api.js";
import { useDenial } from "../auth.jsx";
import { Action, ErrorBox, Loading, PageTitle } from "../components.jsx";
import { detectVariables, templateTexts } from "../variables.js";

const ROLES = ["system", "developer", "user", "assistant", "tool"];
const PROVIDERS = ["openai", "azure_openai", "openai_compatible", "ollama", "anthropic", "google", "aws", "deepseek", "xai",
  "cerebras", "fireworks", "groq", "moonshot", "perplexity", "together"];
const KNOWN_PARAMETERS = ["temperature", "max_tokens", "top_p"];

/** The version being edited, in form state: what the form does not edit (tools, response format, ...) is kept as is. */
function toDraft(version) {
  const template = version?.template ?? { type: "chat", messages: [{ role: "system", content: "" }, { role: "user", content: "{{question}}" }] };
  const params = version?.invocation_parameters ?? {};
  const other = Object.fromEntries(Object.entries(params).filter(([k]) => !KNOWN_PARAMETERS.includes(k)));
  return {
    base: version ?? null,
    format: version?.template_format ?? "mustache",
    isChat: template.type !== "string",
    text: template.type === "string" ? template.template : "",
    messages: template.type === "string" ? [] : template.messages.map((m) => ({ ...m, json: typeof m.content === "string" || m.type === "placeholder" ? null : JSON.stringify(m.content, null, 2) })),
    provider: version?.model?.provider ?? "openai",
    model: version?.model?.name ?? "",
    temperature: params.temperature ?? "",
    max_tokens: params.max_tokens ?? "",
    top_p: params.top_p ?? "",
    other: Object.keys(other).length ? JSON.stringify(other, null, 2) : "",
  };
}

/** The form back to version JSON; throws a message for input that cannot be JSON. */
export function fromDraft(draft) {
  const { base } = draft;
  const keep = {};
  for (const field of ["tools", "response_format", "description", "metadata"]) if (base?.[field] !== undefined && base[field] !== null) keep[field] = base[field];
  const params = {};
  for (const k of KNOWN_PARAMETERS) if (draft[k] !== "" && draft[k] !== null) params[k] = Number(draft[k]);
  if (draft.other.trim()) {
    let other;
    try { other = JSON.parse(draft.other); } catch { throw new Error("Other parameters must be a JSON object."); }
    Object.assign(params, other);
  }
  const template = draft.isChat
    ? {
      type: "chat",
      messages: draft.messages.map((m, i) => {
        if (m.type === "placeholder") return { type: "placeholder", name: m.name };
        if (m.json === null) return { role: m.role, content: m.content };
        try { return { role: m.role, content: JSON.parse(m.json) }; } catch { throw new Error(`Message ${i + 1}'s content parts must be JSON.`); }
      }),
    }
    : { type: "string", template: draft.text };
  return {
    ...keep,
    template,
    template_format: draft.format,
    ...(draft.model ? { model: { provider: draft.provider, name: draft.model } } : {}),
    ...(Object.keys(params).length ? { invocation_parameters: params } : {}),
  };
}

export function Edit() {
  const { params } = useRoute();
  const { query, route } = useLocation();
  const name = params.name;
  const from = query.from || "latest";
  const [draft, setDraft] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [message, setMessage] = useState("");
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const denied = useDenial("write");

  useEffect(() => {
    const load = from === "latest" ? api.prompt(name).then((p) => p.latest && api.version(name, p.latest.id)) : api.version(name, from);
    load.then((v) => setDraft(toDraft(v)), (e) => (e instanceof ApiError && e.status === 404 && from === "latest" ? setDraft(toDraft(null)) : setLoadError(e)));
  }, [name, from]);

  const variables = useMemo(() => {
    if (!draft) return [];
    const texts = draft.isChat ? templateTexts({ messages: draft.messages.map((m) => ({ ...m, content: m.json ? safeParse(m.json) : m.content })) }) : [draft.text];
    return detectVariables(texts, draft.format);
  }, [draft]);

  if (loadError) return <section><PageTitle>Edit {name}</PageTitle><ErrorBox error={loadError} /></section>;
  if (!draft) return <Loading what="Loading the version to edit" />;

  const set = (changes) => setDraft({ ...draft, ...changes });
  const setMessageAt = (i, changes) => set({ messages: draft.messages.map((m, j) => (i === j ? { ...m, ...changes } : m)) });
  const move = (i, delta) => {
    const messages = [...draft.messages];
    const [m] = messages.splice(i, 1);
    messages.splice(i + delta, 0, m);
    set({ messages });
  };

  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const version = fromDraft(draft);
      const response = await api.createVersion(name, { version, ...(message.trim() ? { message: message.trim() } : {}), ...(draft.base ? { parent: draft.base.id } : {}) });
      if (response.status === 201) {
        route(`/prompts/${name}?v=v${response.data.sequence}&from=${draft.base ? `v${draft.base.sequence}` : "latest"}&to=v${response.data.sequence}`);
      } else {
        setResult(response.data);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const tryIt = () => {
    try {
      sessionStorage.setItem(`pf.draft.${name}`, JSON.stringify({ version: fromDraft(draft), parent: draft.base?.id ?? null }));
      route(`/prompts/${name}/playground?draft=1${draft.base ? `&version=v${draft.base.sequence}` : ""}`);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section class="edit">
      <PageTitle title={`Edit ${name}`}>Edit {name}</PageTitle>
      <p>{draft.base ? <>Starting from <a href={`/prompts/${name}?v=v${draft.base.sequence}`}>v{draft.base.sequence}</a>. Saving creates a new version with it as the parent; versions never change.</> : "A new prompt: saving creates its first version."}</p>
      <form onSubmit={save}>
        <div class="columns">
          <div>
            <fieldset>
              <legend>Template</legend>
              <div class="field inline">
                <label for="template-format">Format</label>
                <select id="template-format" value={draft.format} onChange={(e) => set({ format: e.currentTarget.value })}>
                  <option value="mustache">mustache ({"{{name}}"})</option>
                  <option value="f_string">f-string ({"{name}"})</option>
                  <option value="none">none (no variables)</option>
                </select>
              </div>
              {!draft.isChat && (
                <div class="field">
                  <label for="template-text">Text</label>
                  <textarea id="template-text" rows={10} value={draft.text} onInput={(e) => set({ text: e.currentTarget.value })} />
                </div>
              )}
              {draft.isChat && (
                <ol class="message-editor">
                  {draft.messages.map((m, i) => (
                    <li key={i} class="card">
                      {m.type === "placeholder" ? (
                        <div class="field inline">
                          <label for={`placeholder-${i}`}>Placeholder {i + 1} (variable holding messages)</label>
                          <input id={`placeholder-${i}`} value={m.name} onInput={(e) => setMessageAt(i, { name: e.currentTarget.value })} />
                        </div>
                      ) : (
                        <>
                          <div class="field inline">
                            <label for={`role-${i}`}>Message {i + 1} role</label>
                            <select id={`role-${i}`} value={m.role} onChange={(e) => setMessageAt(i, { role: e.currentTarget.value })}>
                              {ROLES.map((r) => <option key={r}>{r}</option>)}
                            </select>
                          </div>
                          <div class="field">
                            <label for={`content-${i}`}>Message {i + 1} {m.json === null ? "content" : "content parts (JSON)"}</label>
                            <textarea id={`content-${i}`} rows={Math.min(14, Math.max(3, ((m.json ?? m.content) || "").split("\n").length + 1))}
                              value={m.json ?? m.content} onInput={(e) => setMessageAt(i, m.json === null ? { content: e.currentTarget.value } : { json: e.currentTarget.value })} />
                          </div>
                        </>
                      )}
                      <div class="buttons small">
                        <button type="button" disabled={i === 0} onClick={() => move(i, -1)} aria-label={`Move message ${i + 1} up`}>Up</button>
                        <button type="button" disabled={i === draft.messages.length - 1} onClick={() => move(i, 1)} aria-label={`Move message ${i + 1} down`}>Down</button>
                        <button type="button" onClick={() => set({ messages: draft.messages.filter((_, j) => j !== i) })} aria-label={`Remove message ${i + 1}`}>Remove</button>
                      </div>
                    </li>
                  ))}
                </ol>
              )}
              {draft.isChat && (
                <div class="buttons">
                  <button type="button" onClick={() => set({ messages: [...draft.messages, { role: "user", content: "", json: null }] })}>Add message</button>
                  <button type="button" onClick={() => set({ messages: [...draft.messages, { type: "placeholder", name: "history", json: null }] })}>Add placeholder</button>
                </div>
              )}
            </fieldset>
          </div>
          <div>
            <section class="card" aria-labelledby="variables-heading">
              <h2 id="variables-heading">Variables</h2>
              <p aria-live="polite">{variables.length ? variables.map((v) => <code key={v} class="chip">{v}</code>) : <span class="muted">none</span>}</p>
            </section>
            <fieldset>
              <legend>Model</legend>
              <div class="field">
                <label for="model-provider">Provider</label>
                <select id="model-provider" value={draft.provider} onChange={(e) => set({ provider: e.currentTarget.value })}>
                  {PROVIDERS.map((p) => <option key={p}>{p}</option>)}
                </select>
              </div>
              <div class="field">
                <label for="model-name">Model name</label>
                <input id="model-name" value={draft.model} onInput={(e) => set({ model: e.currentTarget.value })} placeholder="e.g. gpt-4o-mini (empty: no model)" />
              </div>
            </fieldset>
            <fieldset>
              <legend>Parameters</legend>
              <div class="field"><label for="p-temperature">temperature</label>
                <input id="p-temperature" type="number" step="0.05" min="0" max="2" value={draft.temperature} onInput={(e) => set({ temperature: e.currentTarget.value })} /></div>
              <div class="field"><label for="p-max-tokens">max_tokens</label>
                <input id="p-max-tokens" type="number" min="1" step="1" value={draft.max_tokens} onInput={(e) => set({ max_tokens: e.currentTarget.value })} /></div>
              <div class="field"><label for="p-top-p">top_p</label>
                <input id="p-top-p" type="number" min="0" max="1" step="0.05" value={draft.top_p} onInput={(e) => set({ top_p: e.currentTarget.value })} /></div>
              <div class="field"><label for="p-other">Other parameters (JSON object)</label>
                <textarea id="p-other" rows={3} value={draft.other} onInput={(e) => set({ other: e.currentTarget.value })} placeholder='{"seed": 7, "stop": ["END"]}' /></div>
            </fieldset>
          </div>
        </div>
        <div class="field">
          <label for="commit-message">Message for this version</label>
          <input id="commit-message" value={message} maxLength={2000} onInput={(e) => setMessage(e.currentTarget.value)} placeholder="what changed and why" />
        </div>
        <ErrorBox error={error} />
        {result && (
          <p class="notice" role="status">
            Identical content already exists as <a href={`/prompts/${name}?v=v${result.sequence}`}>v{result.sequence}</a>; no new version was created.
          </p>
        )}
        <div class="buttons">
          <Action type="submit" class="primary" denied={denied} disabled={busy}>{busy ? "Saving…" : "Save as new version"}</Action>
          <button type="button" onClick={tryIt}>Try in playground</button>
          <a class="button" href={`/prompts/${name}`}>Cancel</a>
        </div>
      </form>
    </section>
  );
}

function safeParse(text) {
  try { return JSON.parse(text); } catch { return []; }
}
