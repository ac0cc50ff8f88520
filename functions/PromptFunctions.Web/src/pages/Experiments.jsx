import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api } from "../api.js";
import { useDenial } from "../auth.jsx";
import { Action, ErrorBox, Loading, PageTitle, Time, num, useLoad } from "../components.jsx";
import { EvaluatorPicker, evaluatorSpecs } from "../evaluators.jsx";

/** Experiments, newest first, with a form to start one and a picker of two to compare. */
export function Experiments() {
  const { query, route } = useLocation();
  const filters = { prompt: query.prompt, dataset: query.dataset };
  const { data, error, loading } = useLoad(() => api.experiments(filters), [query.prompt, query.dataset]);
  const [baseline, setBaseline] = useState("");
  const [candidate, setCandidate] = useState("");

  return (
    <section>
      <PageTitle>Experiments</PageTitle>
      {(query.prompt || query.dataset) && (
        <p>Showing experiments {query.prompt && <>of prompt <a href={`/prompts/${query.prompt}`}>{query.prompt}</a></>} {query.dataset && <>on dataset {query.dataset}</>} · <a href="/experiments">show all</a></p>
      )}
      <StartExperiment prompt={query.prompt} version={query.version} onStarted={(id) => route(`/experiments/${id}`)} />
      <ErrorBox error={error} />
      {loading && <Loading what="Loading experiments" />}
      {data && (
        <form onSubmit={(e) => { e.preventDefault(); route(`/experiments/compare?baseline=${baseline}&candidate=${candidate}`); }}>
          <table class="grid">
            <caption>Pick a baseline and a candidate to compare them.</caption>
            <thead>
              <tr><th scope="col">Experiment</th><th scope="col">Status</th><th scope="col">Prompt</th><th scope="col">Dataset</th><th scope="col">Scores</th><th scope="col">Started</th><th scope="col">Baseline</th><th scope="col">Candidate</th></tr>
            </thead>
            <tbody>
              {data.data.map((x) => (
                <tr key={x.id}>
                  <th scope="row"><a href={`/experiments/${x.id}`}>{x.name ?? x.id}</a></th>
                  <td><span class={`status ${x.status}`}>{x.status}</span></td>
                  <td>{x.prompt.name} {x.prompt.sequence ? `v${x.prompt.sequence}` : "draft"}</td>
                  <td>{x.dataset.name}{x.dataset.split ? ` (${x.dataset.split})` : ""}</td>
                  <td>{Object.entries(x.aggregates?.evaluators ?? {}).map(([n, a]) => `${n} ${num(a.mean)}`).join(", ") || "–"}</td>
                  <td><Time at={x.created_at} /></td>
                  <td><input type="radio" name="baseline" aria-label={`Baseline: ${x.name ?? x.id}`} checked={baseline === x.id} onChange={() => setBaseline(x.id)} /></td>
                  <td><input type="radio" name="candidate" aria-label={`Candidate: ${x.name ?? x.id}`} checked={candidate === x.id} onChange={() => setCandidate(x.id)} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.data.length === 0 && <p>No experiments yet.</p>}
          <button type="submit" class="primary" disabled={!baseline || !candidate || baseline === candidate}>Compare</button>
        </form>
      )}
    </section>
  );
}

function StartExperiment({ prompt, version, onStarted }) {
  const denied = useDenial("write");
  const datasets = useLoad(() => api.datasets().then((p) => p.data), []);
  const [open, setOpen] = useState(!!prompt);
  const [form, setForm] = useState({ name: "", prompt: prompt ?? "", version: version ?? "", dataset: "", split: "", repetitions: 1, concurrency: 10 });
  const [evaluators, setEvaluators] = useState(["exact_match"]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { if (!form.dataset && datasets.data?.length) setForm((f) => ({ ...f, dataset: datasets.data[0].name })); }, [datasets.data]);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const ref = form.version.trim();
      const promptRef = !ref || ref === "latest" ? { name: form.prompt } : ref.startsWith("tag:") ? { name: form.prompt, tag: ref.slice(4) } : { name: form.prompt, version: ref };
      const started = await api.startExperiment({
        ...(form.name.trim() ? { name: form.name.trim() } : {}),
        prompt: promptRef,
        dataset: { name: form.dataset, ...(form.split.trim() ? { split: form.split.trim() } : {}) },
        evaluators: evaluatorSpecs(evaluators),
        repetitions: Number(form.repetitions),
        max_concurrency: Number(form.concurrency),
      });
      onStarted(started.id);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (!open) return <Action denied={denied} onClick={() => setOpen(true)}>Run an experiment…</Action>;
  return (
    <form class="card" onSubmit={submit} aria-labelledby="start-heading">
      <h2 id="start-heading">Run an experiment</h2>
      <div class="columns">
        <div>
          <div class="field"><label for="x-name">Name</label><input id="x-name" value={form.name} onInput={set("name")} placeholder="e.g. terse answers" /></div>
          <div class="field"><label for="x-prompt">Prompt</label><input id="x-prompt" required value={form.prompt} onInput={set("prompt")} /></div>
          <div class="field"><label for="x-version">Version</label>
            <input id="x-version" value={form.version} onInput={set("version")} aria-describedby="x-version-hint" placeholder="latest" />
            <small id="x-version-hint" class="hint">v3, a version id, tag:production, or empty for the latest</small></div>
          <div class="field"><label for="x-dataset">Dataset</label>
            <select id="x-dataset" value={form.dataset} onChange={set("dataset")} required>
              {(datasets.data ?? []).map((d) => <option key={d.name}>{d.name}</option>)}
            </select></div>
          <div class="field"><label for="x-split">Split (empty: all)</label><input id="x-split" value={form.split} onInput={set("split")} /></div>
        </div>
        <div>
          <EvaluatorPicker value={evaluators} onChange={setEvaluators} />
          <div class="field"><label for="x-reps">Repetitions</label><input id="x-reps" type="number" min="1" max="20" value={form.repetitions} onInput={set("repetitions")} /></div>
          <div class="field"><label for="x-conc">Concurrent model calls</label><input id="x-conc" type="number" min="1" max="200" value={form.concurrency} onInput={set("concurrency")} /></div>
        </div>
      </div>
      <ErrorBox error={error} />
      <div class="buttons">
        <Action type="submit" class="primary" denied={denied} disabled={busy}>{busy ? "Starting…" : "Start"}</Action>
        <button type="button" onClick={() => setOpen(false)}>Cancel</button>
      </div>
    </form>
  );
}
