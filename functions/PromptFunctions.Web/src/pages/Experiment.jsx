import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, request } from "../api.js";
import { ErrorBox, Loading, PageTitle, Time, num, useLoad } from "../components.jsx";
import { Output } from "./Playground.jsx";

const FINISHED = ["completed", "failed", "cancelled"];

/** One experiment: progress while it runs (polled, no reload), aggregates, and its rows. */
export function Experiment() {
  const { params } = useRoute();
  const id = params.id;
  const [experiment, setExperiment] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let timer, live = true;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const x = await api.experiment(id, controller.signal);
        if (!live) return;
        setExperiment(x);
        if (!FINISHED.includes(x.status)) timer = setTimeout(poll, 1000);
      } catch (e) {
        if (live) setError(e);
      }
    };
    poll();
    return () => { live = false; clearTimeout(timer); controller.abort(); };
  }, [id]);

  if (error) return <section><PageTitle>Experiment</PageTitle><ErrorBox error={error} /></section>;
  if (!experiment) return <Loading what="Loading the experiment" />;
  const x = experiment;
  const progress = x.progress ?? { done: 0, total: 0, errors: 0 };
  const finished = FINISHED.includes(x.status);

  return (
    <section>
      <PageTitle title={x.name ?? id}>Experiment {x.name ?? id}</PageTitle>
      <dl class="facts">
        <dt>Prompt</dt><dd><a href={`/prompts/${x.prompt.name}${x.prompt.sequence ? `?v=v${x.prompt.sequence}` : ""}`}>{x.prompt.name}</a> {x.prompt.sequence ? `v${x.prompt.sequence}` : "unsaved draft"}</dd>
        <dt>Dataset</dt><dd><a href={`/datasets/${x.dataset.name}`}>{x.dataset.name}</a>{x.dataset.split ? ` · split ${x.dataset.split}` : ""} · {x.dataset.examples} examples</dd>
        <dt>Model</dt><dd>{x.model.connection} / {x.model.model}</dd>
        <dt>Evaluators</dt><dd>{x.evaluators.map((e) => e.name ?? e.type).join(", ") || "none"}</dd>
        <dt>Started</dt><dd><Time at={x.started_at ?? x.created_at} /> by {x.created_by}</dd>
        {x.promoted_version && <><dt>Promoted as</dt><dd><code>{x.promoted_version.slice(0, 12)}</code></dd></>}
      </dl>
      <div class="progress-block">
        <label for="x-progress">Progress</label>
        <progress id="x-progress" max={progress.total || 1} value={progress.done} />
        <span role="status" aria-live="polite"><span class={`status ${x.status}`}>{x.status}</span> · {progress.done} of {progress.total} rows{progress.errors ? ` · ${progress.errors} errors` : ""}</span>
      </div>
      {x.error && <p class="error" role="alert">{typeof x.error === "string" ? x.error : JSON.stringify(x.error)}</p>}
      {x.aggregates && <Aggregates aggregates={x.aggregates} />}
      <p><a class="button" href={`/experiments?dataset=${x.dataset.name}`}>Compare with another experiment on {x.dataset.name}</a>{" "}
        <button type="button" onClick={() => exportCsv(id)}>Export CSV</button></p>
      {finished && <Rows id={id} />}
    </section>
  );
}

/** The export needs the key, so it is fetched and handed to the browser as a file rather than linked. */
async function exportCsv(id) {
  const response = await request("GET", `/experiments/${id}/export?format=csv`, { raw: true });
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: `experiment-${id}.csv` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Aggregates({ aggregates }) {
  return (
    <table class="grid">
      <caption>Scores</caption>
      <thead><tr><th scope="col">Evaluator</th><th scope="col">Mean</th><th scope="col">Pass rate</th><th scope="col">Scored</th><th scope="col">Errors</th></tr></thead>
      <tbody>
        {Object.entries(aggregates.evaluators ?? {}).map(([name, a]) => (
          <tr key={name}><th scope="row">{name}</th><td>{num(a.mean)} ± {num(a.standard_error)}</td><td>{a.pass_rate === null || a.pass_rate === undefined ? "–" : num(a.pass_rate)}</td><td>{a.scored}</td><td>{a.errors}</td></tr>
        ))}
      </tbody>
      <tfoot>
        <tr><td colSpan={5}>{aggregates.rows} rows · {aggregates.errors} errors · latency p50 {num(aggregates.latency_ms?.p50, 0)} ms, p95 {num(aggregates.latency_ms?.p95, 0)} ms · tokens {aggregates.tokens?.input} in / {aggregates.tokens?.output} out · cost {num(aggregates.cost, 4)}</td></tr>
      </tfoot>
    </table>
  );
}

function Rows({ id }) {
  const [cursors, setCursors] = useState([undefined]);
  const page = cursors.length - 1;
  const { data, error } = useLoad(() => api.rows(id, cursors[page], 25), [id, cursors[page]]);
  return (
    <section aria-labelledby="rows-heading">
      <h2 id="rows-heading">Rows</h2>
      <ErrorBox error={error} />
      {data && (
        <>
          <table class="grid results">
            <thead><tr><th scope="col">#</th><th scope="col">Example</th><th scope="col">Output and scores</th><th scope="col">Latency</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead>
            <tbody>
              {data.data.map((r) => (
                <tr key={`${r.example_id}/${r.repetition}`}>
                  <td>{r.index}{r.repetition ? `.${r.repetition}` : ""}</td>
                  <td><code>{r.example_id}</code></td>
                  <td><Output row={r} /></td>
                  <td>{num(r.latency_ms, 0)} ms</td>
                  <td>{r.input_tokens ?? "–"} / {r.output_tokens ?? "–"}</td>
                  <td>{num(r.cost, 5)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="buttons">
            <button type="button" disabled={page === 0} onClick={() => setCursors(cursors.slice(0, -1))}>Previous rows</button>
            <button type="button" disabled={!data.next_cursor} onClick={() => setCursors([...cursors, data.next_cursor])}>Next rows</button>
          </div>
        </>
      )}
    </section>
  );
}
