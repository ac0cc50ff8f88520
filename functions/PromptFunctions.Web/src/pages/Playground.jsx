import { useEffect, useMemo, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api } from "../api.js";
import { ErrorBox, PageTitle, num, useLoad } from "../components.jsx";
import { EvaluatorPicker, evaluatorSpecs } from "../evaluators.jsx";
import { detectVariables, templateTexts } from "../variables.js";

/**
 * Runs the draft from the editor (or a saved version) on typed-in variables or on up to 20 dataset rows, with
 * evaluators, side by side with a saved version. Nothing is stored: POST /api/playground answers synchronously.
 */
export function Playground() {
  const { params } = useRoute();
  const { query } = useLocation();
  const name = params.name;
  const draft = useMemo(() => (query.draft ? JSON.parse(sessionStorage.getItem(`pf.draft.${name}`) ?? "null") : null), [name, query.draft]);
  const summary = useLoad(() => api.prompt(name).catch(() => null), [name]);
  const versions = useLoad(() => api.versions(name).then((p) => p.data).catch(() => []), [name]);
  const datasets = useLoad(() => api.datasets().then((p) => p.data), []);

  const [candidate, setCandidate] = useState(draft ? "draft" : query.version || "latest");
  const [baseline, setBaseline] = useState("");
  const [mode, setMode] = useState("variables");
  const [values, setValues] = useState({});
  const [dataset, setDataset] = useState({ name: "", split: "", limit: 5 });
  const [evaluators, setEvaluators] = useState(["exact_match"]);
  const [results, setResults] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  // The saved version to compare with: production when there is one, else the draft's parent or the latest.
  useEffect(() => {
    if (baseline || !summary.data) return;
    const production = summary.data.tags.find((t) => t.name === "production");
    setBaseline(production ? "tag:production" : draft?.parent ? draft.parent : summary.data.latest ? `v${summary.data.latest.sequence}` : "none");
  }, [summary.data]);
  // A link may name the version as v{n}; the list below names versions by id.
  useEffect(() => {
    const bySequence = /^v(\d+)$/.exec(candidate);
    const match = bySequence && versions.data?.find((v) => v.sequence === Number(bySequence[1]));
    if (match) setCandidate(match.id);
  }, [candidate, versions.data]);
  useEffect(() => { if (!dataset.name && datasets.data?.length) setDataset((d) => ({ ...d, name: datasets.data[0].name })); }, [datasets.data]);

  const candidateVersion = useLoad(() => (candidate === "draft" ? Promise.resolve(draft?.version) : api.version(name, candidate === "latest" ? summary.data?.latest?.id ?? "v1" : candidate)),
    [name, candidate, summary.data?.latest?.id]);
  const variables = candidateVersion.data ? detectVariables(templateTexts(candidateVersion.data.template), candidateVersion.data.template_format ?? "mustache") : [];

  const promptFor = (choice) => {
    if (choice === "draft") return { name, draft: draft.version, ...(draft.parent ? { parent: draft.parent } : {}) };
    if (choice.startsWith("tag:")) return { name, tag: choice.slice(4) };
    if (choice === "latest") return { name };
    return { name, version: choice };
  };

  const run = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setResults(null);
    const source = mode === "variables"
      ? { variables: Object.fromEntries(variables.map((v) => [v, values[v] ?? ""])) }
      : { dataset: { name: dataset.name, ...(dataset.split ? { split: dataset.split } : {}), limit: Number(dataset.limit) } };
    const body = (choice) => ({ prompt: promptFor(choice), evaluators: evaluatorSpecs(evaluators), ...source });
    try {
      const [left, right] = await Promise.all([api.playground(body(candidate)), baseline && baseline !== "none" ? api.playground(body(baseline)) : null]);
      setResults({ left, right });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const versionOptions = (versions.data ?? []).map((v) => [v.id, `v${v.sequence}${v.message ? ` · ${v.message.slice(0, 40)}` : ""}`]);
  const tagOptions = (summary.data?.tags ?? []).map((t) => [`tag:${t.name}`, `tag ${t.name} (v${t.version.sequence})`]);

  return (
    <section>
      <PageTitle title={`Playground · ${name}`}>Playground: {name}</PageTitle>
      <form onSubmit={run} class="card">
        <div class="columns">
          <div>
            <div class="field">
              <label for="pg-candidate">Run</label>
              <select id="pg-candidate" value={candidate} onChange={(e) => setCandidate(e.currentTarget.value)}>
                {draft && <option value="draft">the unsaved draft from the editor</option>}
                <option value="latest">latest version</option>
                {tagOptions.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                {versionOptions.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
              </select>
            </div>
            <div class="field">
              <label for="pg-baseline">Side by side with</label>
              <select id="pg-baseline" value={baseline} onChange={(e) => setBaseline(e.currentTarget.value)}>
                <option value="none">nothing</option>
                {tagOptions.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                {versionOptions.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
              </select>
            </div>
            <EvaluatorPicker value={evaluators} onChange={setEvaluators} />
          </div>
          <div>
            <fieldset>
              <legend>Inputs</legend>
              <label class="check"><input type="radio" name="pg-mode" checked={mode === "variables"} onChange={() => setMode("variables")} /> Typed-in variables</label>
              <label class="check"><input type="radio" name="pg-mode" checked={mode === "dataset"} onChange={() => setMode("dataset")} /> Rows of a dataset</label>
              {mode === "variables" && (variables.length === 0
                ? <p class="muted">This template uses no variables.</p>
                : variables.map((v) => (
                  <div class="field" key={v}>
                    <label for={`pg-var-${v}`}>{v}</label>
                    <textarea id={`pg-var-${v}`} rows={2} value={values[v] ?? ""} onInput={(e) => setValues({ ...values, [v]: e.currentTarget.value })} />
                  </div>
                )))}
              {mode === "dataset" && (
                <>
                  <div class="field">
                    <label for="pg-dataset">Dataset</label>
                    <select id="pg-dataset" value={dataset.name} onChange={(e) => setDataset({ ...dataset, name: e.currentTarget.value })}>
                      {(datasets.data ?? []).map((d) => <option key={d.name}>{d.name}</option>)}
                    </select>
                  </div>
                  <div class="field"><label for="pg-split">Split (empty: all)</label>
                    <input id="pg-split" value={dataset.split} onInput={(e) => setDataset({ ...dataset, split: e.currentTarget.value })} /></div>
                  <div class="field"><label for="pg-limit">Rows (at most 20)</label>
                    <input id="pg-limit" type="number" min="1" max="20" value={dataset.limit} onInput={(e) => setDataset({ ...dataset, limit: e.currentTarget.value })} /></div>
                </>
              )}
            </fieldset>
          </div>
        </div>
        <button type="submit" class="primary" disabled={busy || (candidate === "draft" && !draft)}>{busy ? "Running…" : "Run"}</button>
      </form>
      <ErrorBox error={error} />
      {results && <SideBySide left={results.left} right={results.right} leftLabel={label(candidate, versionOptions)} rightLabel={label(baseline, versionOptions)} />}
    </section>
  );
}

const label = (choice, versionOptions) => (choice === "draft" ? "Draft" : choice.startsWith("tag:") ? choice.slice(4) : versionOptions.find(([v]) => v === choice)?.[1].split(" ·")[0] ?? choice);

function SideBySide({ left, right, leftLabel, rightLabel }) {
  const rightRows = new Map((right?.results ?? []).map((r) => [`${r.example_id}/${r.repetition}`, r]));
  return (
    <section aria-labelledby="pg-results">
      <h2 id="pg-results">Results</h2>
      <Summary label={leftLabel} aggregates={left.aggregates} />
      {right && <Summary label={rightLabel} aggregates={right.aggregates} />}
      <table class="grid results">
        <thead>
          <tr>
            <th scope="col">Input</th><th scope="col">Expected</th>
            <th scope="col">{leftLabel} output</th>{right && <th scope="col">{rightLabel} output</th>}
          </tr>
        </thead>
        <tbody>
          {left.results.map((row) => {
            const other = rightRows.get(`${row.example_id}/${row.repetition}`);
            return (
              <tr key={`${row.example_id}/${row.repetition}`}>
                <td><pre>{JSON.stringify(row.input, null, 1)}</pre></td>
                <td><pre>{row.expected === null || row.expected === undefined ? "–" : typeof row.expected === "string" ? row.expected : JSON.stringify(row.expected)}</pre></td>
                <td><Output row={row} /></td>
                {right && <td>{other ? <Output row={other} /> : "–"}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function Summary({ label, aggregates }) {
  const evaluators = Object.entries(aggregates?.evaluators ?? {});
  return (
    <p><strong>{label}</strong>: {evaluators.length === 0 ? "no evaluators" : evaluators.map(([n, a]) => `${n} mean ${num(a.mean)}${a.pass_rate !== null && a.pass_rate !== undefined ? `, pass rate ${num(a.pass_rate)}` : ""}`).join("; ")}
      {aggregates?.errors ? `; ${aggregates.errors} errors` : ""}</p>
  );
}

export function Output({ row }) {
  return (
    <div class="output">
      {row.error ? <p class="error">{typeof row.error === "string" ? row.error : JSON.stringify(row.error)}</p> : <pre>{row.output}</pre>}
      {row.scores?.map((s) => (
        <div key={s.name} class={`score ${s.passed === true ? "pass" : s.passed === false ? "fail" : ""}`} title={s.explanation ?? ""}>
          {s.name}: {s.error ? `error: ${s.error}` : `${num(s.score)}${s.passed === true ? " pass" : s.passed === false ? " fail" : ""}`}
        </div>
      ))}
    </div>
  );
}
