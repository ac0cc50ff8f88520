import { useEffect, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, ApiError } from "../api.js";
import { denial, useCaller } from "../auth.jsx";
import { Action, ErrorBox, Json, Loading, PageTitle, Time, shortId, useLoad } from "../components.jsx";
import { DiffView } from "./DiffView.jsx";
import { MessagesView } from "./MessagesView.jsx";

/** One prompt: tags with history, move and roll back; versions with lineage; any version rendered; diffs. */
export function PromptPage() {
  const { params } = useRoute();
  const { query, route, path } = useLocation();
  const name = params.name;
  const summary = useLoad(() => api.prompt(name), [name]);
  const [versions, setVersions] = useState({ items: [], cursor: undefined, error: null });

  const loadVersions = async (cursor) => {
    try {
      const page = await api.versions(name, cursor);
      setVersions((v) => ({ items: cursor ? [...v.items, ...page.data] : page.data, cursor: page.next_cursor, error: null }));
    } catch (error) {
      setVersions((v) => ({ ...v, error }));
    }
  };
  useEffect(() => { setVersions({ items: [], cursor: undefined, error: null }); loadVersions(); }, [name]);

  const setQuery = (changes) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) (v ? next.set(k, v) : next.delete(k));
    route(`${path}?${next}`, true);
  };

  // The selected version (latest unless the address names one) loads alongside the summary and the version list,
  // so the page is usable after one round of requests.
  const selected = query.v ?? "latest";
  const latest = summary.data?.latest;
  const isSelected = (v) => selected === `v${v.sequence}` || (selected === "latest" && latest?.id === v.id);
  const prompt = summary.data;

  return (
    <section class="prompt">
      <PageTitle title={name}>{name}</PageTitle>
      {summary.error && <ErrorBox error={summary.error} />}
      {prompt?.description && <p>{prompt.description}</p>}
      {prompt && <p class="muted">{prompt.version_count} versions · updated <Time at={prompt.updated_at} /></p>}
      <div class="buttons">
        <EditLink name={name} from={selected} />
        <a class="button" href={`/prompts/${name}/playground?version=${selected}`}>Playground</a>
        <a class="button" href={`/experiments?prompt=${name}&version=${selected}`}>Experiments</a>
        <a class="button" href={`/optimizations?prompt=${name}`}>Optimizations</a>
      </div>

      {prompt ? <Tags name={name} tags={prompt.tags} versions={versions.items} onChanged={() => { summary.reload(); loadVersions(); }} />
        : !summary.error && <Loading what={`Loading ${name}`} />}

      <div class="columns">
        <section aria-labelledby="versions-heading" class="versions">
          <h2 id="versions-heading">Versions</h2>
          <ErrorBox error={versions.error} />
          <ol class="version-list">
            {versions.items.map((v) => (
              <VersionItem key={v.id} version={v} versions={versions.items} tags={prompt?.tags ?? []}
                selected={isSelected(v)} onSelect={() => setQuery({ v: `v${v.sequence}` })} />
            ))}
          </ol>
          {versions.cursor && <button type="button" onClick={() => loadVersions(versions.cursor)}>Older versions</button>}
        </section>
        <div class="detail">
          {!summary.error && <VersionDetail name={name} reference={selected} versions={versions.items} />}
        </div>
      </div>

      {prompt && versions.cursor !== undefined && (
        <section aria-labelledby="diff-heading">
          <h2 id="diff-heading">Compare two versions</h2>
          <DiffPicker name={name} versions={versions.items} tags={prompt.tags}
            from={query.from ?? (prompt.tags.some((t) => t.name === "production") ? "tag:production" : versions.items[1] ? `v${versions.items[1].sequence}` : "latest")}
            to={query.to ?? "latest"} onChange={(from, to) => setQuery({ from, to })} />
        </section>
      )}
    </section>
  );
}

function EditLink({ name, from }) {
  const denied = denial(useCaller(), "write");
  if (denied) return <Action denied={denied}>Edit as new version</Action>;
  return <a class="button primary" href={`/prompts/${name}/edit?from=${from ?? "latest"}`}>Edit as new version</a>;
}

function VersionItem({ version, versions, tags, selected, onSelect }) {
  const parent = version.parent && versions.find((v) => v.id === version.parent);
  const onIt = tags.filter((t) => t.version.id === version.id);
  return (
    <li class={selected ? "selected" : undefined}>
      <button type="button" class="link strong" aria-pressed={selected} onClick={onSelect}>v{version.sequence}</button>
      {onIt.map((t) => <span key={t.name} class="badge">{t.name}</span>)}
      <div>{version.message ?? <span class="muted">no message</span>}</div>
      <div class="muted small">
        by {version.created_by} · <Time at={version.created_at} />
        {version.parent && <> · from {parent ? `v${parent.sequence}` : shortId(version.parent)}</>}
      </div>
    </li>
  );
}

/** The lineage of a version: its parent, the parent's parent, and so on, as far as the loaded versions go. */
function lineage(version, versions) {
  const chain = [];
  const seen = new Set();
  let current = version;
  while (current?.parent && !seen.has(current.parent)) {
    seen.add(current.parent);
    const parent = versions.find((v) => v.id === current.parent);
    chain.push(parent ? `v${parent.sequence}` : shortId(current.parent));
    current = parent;
  }
  return chain;
}

function VersionDetail({ name, reference, versions }) {
  const { data, error } = useLoad(() => api.version(name, reference), [name, reference]);
  const [values, setValues] = useState({});
  const [rendered, setRendered] = useState(null);
  const vars = useLoad(() => (data ? api.variables(name, data.id) : Promise.resolve(null)), [name, data?.id]);
  useEffect(() => { setRendered(null); setValues({}); }, [reference]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading what={`Loading ${reference}`} />;
  const chain = lineage(data, versions);
  const render = async (event) => {
    event.preventDefault();
    try { setRendered(await api.render(name, data.id, values)); } catch (e) { setRendered({ error: e }); }
  };
  return (
    <section aria-labelledby="version-heading" class="card">
      <h2 id="version-heading">Version v{data.sequence}</h2>
      <dl class="facts">
        <dt>Id</dt><dd><code>{data.id}</code></dd>
        <dt>Message</dt><dd>{data.message ?? "–"}</dd>
        <dt>Author</dt><dd>{data.created_by} · <Time at={data.created_at} /></dd>
        <dt>Lineage</dt><dd>{chain.length ? `v${data.sequence} ← ${chain.join(" ← ")}` : "no parent (a first version)"}</dd>
        <dt>Model</dt><dd>{data.model ? `${data.model.provider} / ${data.model.name}` : "none"}</dd>
        <dt>Parameters</dt><dd>{data.invocation_parameters ? <code>{JSON.stringify(data.invocation_parameters)}</code> : "none"}</dd>
        <dt>Format</dt><dd>{data.template_format}</dd>
      </dl>
      <h3>Template</h3>
      <MessagesView template={data.template} />
      {data.tools && <><h3>Tools</h3><Json value={data.tools} /></>}
      {data.response_format && <><h3>Response format</h3><Json value={data.response_format} /></>}
      {vars.data && vars.data.variables.length > 0 && (
        <details>
          <summary>Render with values</summary>
          <form onSubmit={render} class="render-form">
            {vars.data.variables.map((v) => (
              <div class="field" key={v}>
                <label for={`render-${v}`}>{v}</label>
                <input id={`render-${v}`} value={values[v] ?? ""} onInput={(e) => setValues({ ...values, [v]: e.currentTarget.value })} />
              </div>
            ))}
            <button type="submit">Render</button>
          </form>
          {rendered?.error && <ErrorBox error={rendered.error} />}
          {rendered && !rendered.error && <MessagesView template={rendered.messages ? { type: "chat", messages: rendered.messages } : { type: "string", template: rendered.text }} />}
        </details>
      )}
    </section>
  );
}

function DiffPicker({ name, versions, tags, from, to, onChange }) {
  const options = [
    ["latest", "latest"],
    ...tags.map((t) => [`tag:${t.name}`, `tag ${t.name} (v${t.version.sequence})`]),
    ...versions.map((v) => [`v${v.sequence}`, `v${v.sequence}${v.message ? ` · ${v.message.slice(0, 40)}` : ""}`]),
  ];
  const diff = useLoad(() => api.diff(name, from, to), [name, from, to]);
  return (
    <>
      <div class="toolbar">
        <div class="field inline">
          <label for="diff-from">From</label>
          <select id="diff-from" value={from} onChange={(e) => onChange(e.currentTarget.value, to)}>
            {withCurrent(options, from).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </div>
        <div class="field inline">
          <label for="diff-to">To</label>
          <select id="diff-to" value={to} onChange={(e) => onChange(from, e.currentTarget.value)}>
            {withCurrent(options, to).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </div>
      </div>
      <ErrorBox error={diff.error} />
      {diff.data && <DiffView diff={diff.data} />}
    </>
  );
}

const withCurrent = (options, value) => (options.some(([v]) => v === value) ? options : [[value, value], ...options]);

/** Tags with their targets, full history, move (If-Match on what this page saw) and roll back, each with a reason. */
function Tags({ name, tags, versions, onChanged }) {
  const caller = useCaller();
  const [open, setOpen] = useState(null); // { tag, mode: "move" | "rollback" | "history" | "new" }
  return (
    <section aria-labelledby="tags-heading">
      <h2 id="tags-heading">Tags</h2>
      {tags.length === 0 && <p class="muted">No tags yet.</p>}
      <table class="grid">
        <thead><tr><th scope="col">Tag</th><th scope="col">Version</th><th scope="col">Moved by</th><th scope="col">When</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {tags.map((t) => {
            const denied = denial(caller, "write", t.name);
            return (
              <tr key={t.name}>
                <th scope="row">{t.name}{caller.protected_tags.includes(t.name) && <span class="badge">protected</span>}</th>
                <td><span class="version" title={t.version.id}>v{t.version.sequence}</span> {t.version.message && <span class="muted">{t.version.message}</span>}</td>
                <td>{t.updated_by}</td>
                <td><Time at={t.updated_at} /></td>
                <td class="actions">
                  <Action denied={denied} onClick={() => setOpen({ tag: t, mode: "move" })} aria-label={`Move ${t.name}`}>Move…</Action>
                  <Action denied={denied} onClick={() => setOpen({ tag: t, mode: "rollback" })} aria-label={`Roll back ${t.name}`}>Roll back…</Action>
                  <button type="button" onClick={() => setOpen({ tag: t, mode: "history" })} aria-label={`History of ${t.name}`}>History</button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Action denied={denial(caller, "write")} onClick={() => setOpen({ tag: null, mode: "new" })}>New tag…</Action>
      {open?.mode === "history" && <History name={name} tag={open.tag.name} onClose={() => setOpen(null)} />}
      {(open?.mode === "move" || open?.mode === "new") &&
        <MoveTag name={name} tag={open.tag} versions={versions} onClose={() => setOpen(null)} onDone={() => { setOpen(null); onChanged(); }} />}
      {open?.mode === "rollback" &&
        <Rollback name={name} tag={open.tag} onClose={() => setOpen(null)} onDone={() => { setOpen(null); onChanged(); }} />}
    </section>
  );
}

function MoveTag({ name, tag, versions, onClose, onDone }) {
  const caller = useCaller();
  const [tagName, setTagName] = useState(tag?.name ?? "");
  const [target, setTarget] = useState(versions[0] ? `v${versions[0].sequence}` : "");
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const denied = denial(caller, "write", tagName);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // If-Match: the version this page showed, so a move someone else made meanwhile is not silently overwritten.
      await api.moveTag(name, tagName, target, reason.trim(), tag?.version.id);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const conflict = error instanceof ApiError && error.status === 412;
  const current = conflict && versions.find((v) => v.id === error.problem.current_version);
  return (
    <form class="card panel" onSubmit={submit} aria-labelledby="move-heading">
      <h3 id="move-heading">{tag ? `Move ${tag.name}` : "New tag"}</h3>
      {tag && <p>Now at <strong>v{tag.version.sequence}</strong>.</p>}
      {!tag && (
        <div class="field">
          <label for="tag-name">Tag name</label>
          <input id="tag-name" required pattern="[a-z0-9]([_a-z0-9\-]*[a-z0-9])?" value={tagName} onInput={(e) => setTagName(e.currentTarget.value)} />
        </div>
      )}
      <div class="field">
        <label for="move-target">To version</label>
        <select id="move-target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
          {versions.map((v) => <option key={v.id} value={`v${v.sequence}`}>v{v.sequence}{v.message ? ` · ${v.message.slice(0, 50)}` : ""}</option>)}
        </select>
      </div>
      <div class="field">
        <label for="move-reason">Reason</label>
        <input id="move-reason" value={reason} maxLength={2000} onInput={(e) => setReason(e.currentTarget.value)} placeholder="why (kept in the tag's history)" />
      </div>
      {conflict ? (
        <div class="error" role="alert">
          <strong>Someone moved {tagName} meanwhile.</strong> It now points at {current ? `v${current.sequence}` : shortId(error.problem.current_version)},
          not v{tag?.version.sequence} as this page showed, so nothing was changed. Reload the prompt to see the latest move, then decide again.
          <div><button type="button" onClick={onDone}>Reload</button></div>
        </div>
      ) : <ErrorBox error={error} />}
      <div class="buttons">
        <Action type="submit" class="primary" denied={denied} disabled={busy || !tagName}>Move tag</Action>
        <button type="button" onClick={onClose}>Cancel</button>
      </div>
    </form>
  );
}

function Rollback({ name, tag, onClose, onDone }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    try {
      await api.rollbackTag(name, tag.name, reason.trim());
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="card panel" onSubmit={submit} aria-labelledby="rollback-heading">
      <h3 id="rollback-heading">Roll back {tag.name}</h3>
      <p>Moves {tag.name} back to where it pointed before its latest change (now v{tag.version.sequence}).</p>
      <div class="field">
        <label for="rollback-reason">Reason</label>
        <input id="rollback-reason" value={reason} maxLength={2000} onInput={(e) => setReason(e.currentTarget.value)} />
      </div>
      <ErrorBox error={error} />
      <div class="buttons">
        <Action type="submit" class="primary" denied={denial(useCaller(), "write", tag.name)}>Roll back</Action>
        <button type="button" onClick={onClose}>Cancel</button>
      </div>
    </form>
  );
}

function History({ name, tag, onClose }) {
  const { data, error } = useLoad(() => api.history(name, tag), [name, tag]);
  return (
    <section class="card panel" aria-labelledby="history-heading">
      <h3 id="history-heading">History of {tag}</h3>
      <ErrorBox error={error} />
      {!data && !error && <Loading />}
      {data && (
        <table class="grid">
          <thead><tr><th scope="col">#</th><th scope="col">Change</th><th scope="col">Who</th><th scope="col">When</th><th scope="col">Why</th></tr></thead>
          <tbody>
            {data.data.map((h) => (
              <tr key={h.number}>
                <td>{h.number}</td>
                <td>{h.action}: {h.from ? `v${h.from.sequence}` : "–"} → {h.to ? `v${h.to.sequence}` : "–"}</td>
                <td>{h.actor}</td>
                <td><Time at={h.at} /></td>
                <td>{h.reason ?? <span class="muted">no reason given</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" onClick={onClose}>Close history</button>
    </section>
  );
}
