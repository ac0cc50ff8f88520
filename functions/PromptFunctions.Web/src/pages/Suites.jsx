import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api } from "../api.js";
import { useDenial } from "../auth.jsx";
import { Action, ErrorBox, Loading, PageTitle, Time, num, signed, useLoad, usePoll } from "../components.jsx";
import { IntervalBar } from "./Compare.jsx";

const FINISHED = ["completed", "failed"];
const VERDICTS = { regressed: "Regressed", inconclusive: "Inconclusive", non_inferior: "Non-inferior", improved: "Improved" };

const model = (m) => (m ? `${m.connection ?? "default"} / ${m.model ?? "prompt's model"}` : "default connection, prompt's model");
const Verdict = ({ verdict }) => (verdict ? <span class={`verdict ${verdict}`}>{VERDICTS[verdict] ?? verdict}</span> : <span class="muted">–</span>);

/** Regression suites: what each guards, with which models, and when it runs. */
export function Suites() {
  const { data, error } = useLoad(() => api.suites(), []);
  return (
    <section>
      <PageTitle>Suites</PageTitle>
      <p>A suite runs a prompt (by tag) on a dataset with a baseline model and candidate models, and says per candidate and evaluator whether it regressed. Define suites with <code>PUT /api/suites/&#123;name&#125;</code> or <code>pf</code>.</p>
      <ErrorBox error={error} />
      {!data && !error && <Loading what="Loading suites" />}
      {data && (
        <table class="grid">
          <thead><tr><th scope="col">Suite</th><th scope="col">Prompt</th><th scope="col">Dataset</th><th scope="col">Candidates</th><th scope="col">Schedule</th><th scope="col">Enabled</th><th scope="col">Next run</th></tr></thead>
          <tbody>
            {data.data.map((s) => (
              <tr key={s.name}>
                <th scope="row"><a href={`/suites/${s.name}`}>{s.name}</a></th>
                <td><a href={`/prompts/${s.prompt.name}`}>{s.prompt.name}</a> @ {s.prompt.tag ?? "production"}</td>
                <td>{s.dataset.name}{s.dataset.version ? ` ${s.dataset.version}` : ""}{s.dataset.split ? ` (${s.dataset.split})` : ""}</td>
                <td>{s.candidates.map(model).join(", ")}</td>
                <td>{s.schedule ? <><code>{s.schedule.cron}</code> {s.schedule.time_zone ?? "UTC"}</> : <span class="muted">by hand</span>}</td>
                <td>{s.enabled ? "yes" : "no"}</td>
                <td>{s.next_run_at ? <Time at={s.next_run_at} /> : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data?.data.length === 0 && <p>No suites yet.</p>}
    </section>
  );
}

/** One suite: its definition, "Run now", and its runs newest first (polled while one is running). */
export function Suite() {
  const { params } = useRoute();
  const { route } = useLocation();
  const name = params.name;
  const suite = useLoad(() => api.suite(name), [name]);
  const runs = usePoll(() => api.suiteRuns(name), (page) => page.data.every((r) => FINISHED.includes(r.status)), [name]);
  const denied = useDenial("write");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const runNow = async () => {
    setBusy(true);
    setError(null);
    try {
      const run = await api.startSuiteRun(name);
      route(`/suite-runs/${run.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  const s = suite.data;
  return (
    <section>
      <PageTitle title={`Suite ${name}`}>Suite {name}</PageTitle>
      <ErrorBox error={suite.error} />
      {s && (
        <dl class="facts">
          <dt>Prompt</dt><dd><a href={`/prompts/${s.prompt.name}`}>{s.prompt.name}</a> at tag {s.prompt.tag ?? "production"}</dd>
          <dt>Dataset</dt><dd>{s.dataset.name} {s.dataset.version ?? "latest"}{s.dataset.split ? `, split ${s.dataset.split}` : ""}</dd>
          <dt>Evaluators</dt><dd>{s.evaluators.map((e) => e.name ?? e.type).join(", ")}</dd>
          <dt>Baseline</dt><dd>{model(s.baseline)}</dd>
          <dt>Candidates</dt><dd>{s.candidates.map(model).join("; ")}</dd>
          <dt>Margin</dt><dd>{num(s.margin)} (repetitions {s.repetitions})</dd>
          <dt>Schedule</dt><dd>{s.schedule ? `${s.schedule.cron} ${s.schedule.time_zone ?? "UTC"}${s.enabled ? "" : " (disabled)"}` : "none: runs by hand or from CI"}</dd>
        </dl>
      )}
      <ErrorBox error={error} />
      <Action class="primary" denied={denied} disabled={busy || !s} onClick={runNow}>{busy ? "Starting…" : "Run now"}</Action>
      <h2>Runs</h2>
      <ErrorBox error={runs.error} />
      {!runs.data && !runs.error && <Loading what="Loading runs" />}
      {runs.data && runs.data.data.length === 0 && <p>No runs yet.</p>}
      {runs.data && runs.data.data.length > 0 && (
        <table class="grid">
          <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Verdict</th><th scope="col">Prompt version</th><th scope="col">Started by</th><th scope="col">Started</th></tr></thead>
          <tbody>
            {runs.data.data.map((r) => (
              <tr key={r.id}>
                <th scope="row"><a href={`/suite-runs/${r.id}`} aria-label={`Run ${r.id}`}><code>{r.id.slice(0, 12)}</code></a></th>
                <td><span class={`status ${r.status}`}>{r.status}</span></td>
                <td><Verdict verdict={r.verdict} /></td>
                <td>{r.prompt.sequence ? `v${r.prompt.sequence}` : "–"}</td>
                <td>{r.trigger === "schedule" ? "schedule" : r.created_by}</td>
                <td><Time at={r.created_at} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One run: per candidate and evaluator the verdict, difference, 95 % interval, Holm-adjusted p and MDE; drift; the experiments. */
export function SuiteRun() {
  const { params } = useRoute();
  const { data: run, error } = usePoll((signal) => api.suiteRun(params.id, signal), (r) => FINISHED.includes(r.status), [params.id]);
  if (error) return <section><PageTitle>Suite run</PageTitle><ErrorBox error={error} /></section>;
  if (!run) return <Loading what="Loading the run" />;
  return (
    <section>
      <PageTitle title={`Run of ${run.suite}`}>Run of <a href={`/suites/${run.suite}`}>{run.suite}</a></PageTitle>
      <p role="status">
        <span class={`status ${run.status}`}>{run.status}</span>
        {run.verdict && <> · overall <Verdict verdict={run.verdict} /></>}
        {!FINISHED.includes(run.status) && " · updating while it runs"}
      </p>
      {run.error && <div class="error" role="alert">{run.error}</div>}
      <dl class="facts">
        <dt>Prompt</dt><dd><a href={`/prompts/${run.prompt.name}`}>{run.prompt.name}</a> {run.prompt.tag}{run.prompt.sequence ? ` → v${run.prompt.sequence}` : ""}</dd>
        <dt>Dataset</dt><dd>{run.dataset.name}{run.dataset.split ? `, split ${run.dataset.split}` : ""}{run.dataset.examples != null ? `, ${run.dataset.examples} examples` : ""}</dd>
        <dt>Baseline</dt><dd>{model(run.baseline)}{run.baseline && <> · <a href={`/experiments/${run.baseline.experiment_id}`}>experiment</a></>}</dd>
        <dt>Margin</dt><dd>{num(run.margin)}</dd>
        <dt>Started</dt><dd>{run.created_by} · <Time at={run.created_at} />{run.completed_at && <> · finished <Time at={run.completed_at} /></>}</dd>
      </dl>
      {(run.verdicts ?? []).map((c) => <CandidateVerdict key={c.candidate} candidate={c} baseline={run.baseline} />)}
      {run.drift && <Drift drift={run.drift} />}
    </section>
  );
}

function CandidateVerdict({ candidate, baseline }) {
  const headingId = `candidate-${candidate.candidate}`;
  return (
    <section class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Candidate {candidate.candidate + 1}: {model(candidate.model)} <Verdict verdict={candidate.verdict} /></h2>
      <p>
        <a href={`/experiments/${candidate.experiment_id}`}>Candidate experiment</a>
        {baseline && <> · <a href={`/experiments/compare?baseline=${baseline.experiment_id}&candidate=${candidate.experiment_id}`}>compare with the baseline</a></>}
      </p>
      <table class="grid">
        <caption class="sr-only">Verdicts of candidate {candidate.candidate + 1} per evaluator</caption>
        <thead><tr><th scope="col">Evaluator</th><th scope="col">Verdict</th><th scope="col">Baseline → candidate</th><th scope="col">Difference and 95 % interval</th><th scope="col">Adjusted p</th><th scope="col">Min. detectable effect</th><th scope="col">Why</th></tr></thead>
        <tbody>
          {candidate.evaluators.map((e) => (
            <tr key={e.evaluator}>
              <th scope="row">{e.evaluator}</th>
              <td><Verdict verdict={e.verdict} /></td>
              <td>{num(e.baseline_mean)} → {num(e.candidate_mean)} <span class="muted small">({e.pairs} pairs)</span></td>
              <td>
                <strong>{signed(e.difference)}</strong>{e.interval_lower != null && ` [${signed(e.interval_lower)}, ${signed(e.interval_upper)}]`}
                {e.interval_lower != null && e.difference != null && (
                  <IntervalBar delta={e.difference} interval={{ lower: e.interval_lower, upper: e.interval_upper, excludes_zero: e.interval_lower > 0 || e.interval_upper < 0 }}
                    label={`${e.evaluator}: difference ${signed(e.difference)}, 95 % interval ${signed(e.interval_lower)} to ${signed(e.interval_upper)}`} />
                )}
              </td>
              <td>{num(e.adjusted_p_value, 4)} <span class="muted small">(raw {num(e.p_value, 4)})</span></td>
              <td>{e.verdict === "inconclusive" && e.minimum_detectable_effect != null ? num(e.minimum_detectable_effect) : <span class="muted">{num(e.minimum_detectable_effect)}</span>}</td>
              <td class="small">{e.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Drift({ drift }) {
  return (
    <section class="card" aria-labelledby="drift-heading">
      <h2 id="drift-heading">Drift {drift.compared && (drift.detected ? <span class="verdict regressed">Detected</span> : <span class="verdict non_inferior">None</span>)}</h2>
      <p>{drift.reason}</p>
      {drift.compared && (
        <>
          <p>Against the <a href={`/suite-runs/${drift.previous_run}`}>previous comparable run</a>: {drift.changed_outputs} of {drift.rows} baseline outputs changed ({num(drift.changed_fraction * 100, 1)} %).</p>
          {(drift.evaluators ?? []).length > 0 && (
            <ul>{drift.evaluators.map((e) => <li key={e.evaluator}>{e.evaluator}: {num(e.previous_mean)} → {num(e.current_mean)} ({e.change.replaceAll("_", " ")})</li>)}</ul>
          )}
        </>
      )}
    </section>
  );
}
