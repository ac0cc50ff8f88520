import { useEffect, useMemo, useState } from "preact/hooks";
import { api } from "../api.js";
import { ErrorBox, Loading, PageTitle, Time } from "../components.jsx";

const DEFAULT_ENVIRONMENTS = "development,staging,production";

/**
 * Every prompt with its tags, searchable, and the drift view: which version each environment tag points at,
 * highlighted where they differ. Pages of 100 come from /api/prompts and /api/tags side by side; a search loads
 * the remaining pages, since the API lists by name without a text search.
 */
export function Prompts() {
  const [environmentsText, setEnvironmentsText] = useState(DEFAULT_ENVIRONMENTS);
  const environments = useMemo(() => environmentsText.split(",").map((t) => t.trim()).filter(Boolean), [environmentsText]);
  const [rows, setRows] = useState([]);
  const [cursor, setCursor] = useState(undefined); // undefined: not loaded; null: all loaded
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);
  const [search, setSearch] = useState("");
  const [onlyDrift, setOnlyDrift] = useState(false);

  // The list shows as soon as the prompts arrive; each page's environment columns fill in when /api/tags answers
  // (it reads every listed prompt's tags, so it is the slower of the two).
  const loadPage = async (after, replace) => {
    setLoading(true);
    try {
      const driftRequest = api.drift(environments, after);
      driftRequest.catch(() => {});
      const prompts = await api.prompts(after);
      setRows((current) => (replace ? prompts.data : [...current, ...prompts.data]));
      setCursor(prompts.next_cursor);
      setError(null);
      const drift = await driftRequest;
      const byName = new Map(drift.data.map((d) => [d.prompt, d]));
      setRows((current) => current.map((r) => (byName.has(r.name) ? { ...r, drift: byName.get(r.name) } : r)));
      return prompts.next_cursor;
    } catch (e) {
      setError(e);
      return null;
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => { setRows([]); loadPage(undefined, true); }, [environments.join(",")]);

  // A search or the drift filter looks at every prompt, so the rest of the pages are fetched first.
  useEffect(() => {
    if ((!search && !onlyDrift) || cursor === null || cursor === undefined || loading) return;
    loadPage(cursor, false);
  }, [search, onlyDrift, cursor, loading]);

  const needle = search.trim().toLowerCase();
  const shown = rows.filter((r) => (!needle || r.name.includes(needle) || (r.description ?? "").toLowerCase().includes(needle))
    && (!onlyDrift || r.drift?.differ));

  return (
    <section>
      <PageTitle>Prompts</PageTitle>
      <div class="toolbar" role="search">
        <div class="field inline">
          <label for="prompt-search">Search prompts</label>
          <input id="prompt-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} placeholder="name or description" />
        </div>
        <div class="field inline">
          <label for="environments">Environments (tags)</label>
          <input id="environments" value={environmentsText} onChange={(e) => setEnvironmentsText(e.currentTarget.value || DEFAULT_ENVIRONMENTS)} size={32} />
        </div>
        <label class="check"><input type="checkbox" checked={onlyDrift} onChange={(e) => setOnlyDrift(e.currentTarget.checked)} /> Only prompts whose environments differ</label>
      </div>
      <ErrorBox error={error} />
      <p class="muted" aria-live="polite">
        {shown.length} shown of {rows.length} loaded{cursor === null ? "" : " (more on the server)"}.
      </p>
      <table class="grid" aria-label="Prompts and the version each environment runs">
        <thead>
          <tr>
            <th scope="col">Prompt</th>
            <th scope="col">Versions</th>
            <th scope="col">Updated</th>
            {environments.map((t) => <th scope="col" key={t}>{t}</th>)}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => <PromptRow key={r.name} row={r} environments={environments} />)}
        </tbody>
      </table>
      {loading && <Loading what="Loading prompts" />}
      {!loading && cursor && !search && !onlyDrift && (
        <button type="button" onClick={() => loadPage(cursor, false)}>Load more prompts</button>
      )}
      {!loading && rows.length === 0 && !error && <p>No prompts yet. Create one with the API (<code>POST /api/prompts/&#123;name&#125;/versions</code>).</p>}
    </section>
  );
}

function PromptRow({ row, environments }) {
  const tags = row.drift?.tags ?? {};
  const targets = environments.map((t) => tags[t]?.id ?? "");
  const majority = mostCommon(targets);
  return (
    <tr class={row.drift?.differ ? "drift" : undefined}>
      <th scope="row">
        <a href={`/prompts/${row.name}`}>{row.name}</a>
        {row.drift?.differ && <span class="badge warn">differs</span>}
        {row.description && <div class="muted small">{row.description}</div>}
      </th>
      <td>{row.version_count}</td>
      <td><Time at={row.updated_at} /></td>
      {environments.map((t) => {
        const target = tags[t];
        const odd = row.drift?.differ && (target?.id ?? "") !== majority;
        return (
          <td key={t} class={odd ? "odd" : undefined}>
            {!row.drift ? <span class="muted">…</span> : target ? <span class="version" title={target.id}>v{target.sequence}</span> : <span class="muted">none</span>}
          </td>
        );
      })}
    </tr>
  );
}

function mostCommon(values) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
