import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api } from "../api.js";
import { denial, useCaller } from "../auth.jsx";
import { Action, ErrorBox, Loading, PageTitle, num, signed, useLoad } from "../components.jsx";

const VERDICTS = { improved: "Improved", regressed: "Regressed", no_significant_change: "No significant change" };

/** Two experiments on the same data: per evaluator the difference, its 95 % interval, the verdict, the worst rows; promote. */
export function Compare() {
  const { query } = useLocation();
  const { baseline, candidate } = query;
  const { data, error } = useLoad(() => api.compare(baseline, candidate), [baseline, candidate]);
  if (error) return <section><PageTitle>Compare experiments</PageTitle><ErrorBox error={error} /></section>;
  if (!data) return <Loading what="Comparing" />;
  const b = data.baseline_experiment;
  const c = data.candidate_experiment;
  return (
    <section>
      <PageTitle>Compare experiments</PageTitle>
      <p>
        Baseline <a href={`/experiments/${b.id}`}>{b.name ?? b.id}</a> ({b.prompt.name} {b.prompt.sequence ? `v${b.prompt.sequence}` : "draft"})
        {" "}against candidate <a href={`/experiments/${c.id}`}>{c.name ?? c.id}</a> ({c.prompt.name} {c.prompt.sequence ? `v${c.prompt.sequence}` : "draft"}),
        {" "}{data.paired_rows} paired rows; intervals from a seeded paired bootstrap ({data.resamples} resamples).
      </p>
      {data.evaluators.map((e) => <EvaluatorResult key={e.name} result={e} />)}
      <Promote candidate={c} />
    </section>
  );
}

function EvaluatorResult({ result }) {
  const passFail = result.basis === "pass_rate" && result.pass_fail;
  const delta = passFail ? result.pass_fail.difference : result.mean_difference;
  const interval = passFail ? result.pass_fail.difference_interval : result.mean_difference_interval;
  const what = passFail ? "pass rate" : "mean score";
  return (
    <section class="card" aria-labelledby={`eval-${result.name}`}>
      <h2 id={`eval-${result.name}`}>{result.name} <span class={`verdict ${result.verdict}`}>{VERDICTS[result.verdict] ?? result.verdict}</span></h2>
      <p>
        {what}: {num(passFail ? result.pass_fail.baseline_pass_rate : result.baseline_mean)} → {num(passFail ? result.pass_fail.candidate_pass_rate : result.candidate_mean)}
        {" "}(<strong>{signed(delta)}</strong>{interval ? `, 95 % interval [${signed(interval.lower)}, ${signed(interval.upper)}]` : ", too few examples for an interval"})
      </p>
      {interval && <IntervalBar delta={delta} interval={interval} label={`${result.name}: difference ${signed(delta)}, 95 % interval ${signed(interval.lower)} to ${signed(interval.upper)}`} />}
      <p class="muted">{result.reason}</p>
      {result.pass_fail && (
        <p class="small">Pass/fail pairs: both passed {result.pass_fail.both_passed}, both failed {result.pass_fail.both_failed}, only baseline passed {result.pass_fail.baseline_only_passed},
          only candidate passed {result.pass_fail.candidate_only_passed}; McNemar p = {num(result.pass_fail.mc_nemar_p_value)}</p>
      )}
      <h3>Most regressed rows</h3>
      {result.top_regressions.length === 0 ? <p class="muted">No row scored lower than in the baseline.</p> : (
        <table class="grid">
          <thead><tr><th scope="col">Example</th><th scope="col">Baseline</th><th scope="col">Candidate</th><th scope="col">Drop</th><th scope="col">Why</th></tr></thead>
          <tbody>
            {result.top_regressions.map((r) => (
              <tr key={`${r.example_id}/${r.repetition}`}>
                <td><code>{r.example_id}</code>{r.repetition ? ` #${r.repetition}` : ""}</td>
                <td>{num(r.baseline_score)}</td>
                <td>{num(r.candidate_score)}</td>
                <td>{num(r.drop ?? r.baseline_score - r.candidate_score)}</td>
                <td class="small">{r.candidate_explanation}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The difference and its interval on a -1..+1 axis, zero marked: an interval clear of zero is a real difference. */
export function IntervalBar({ delta, interval, label }) {
  const x = (v) => 10 + ((Math.max(-1, Math.min(1, v)) + 1) / 2) * 380;
  const tone = interval.excludes_zero ? (delta > 0 ? "good" : "bad") : "neutral";
  return (
    <svg class={`interval ${tone}`} viewBox="0 0 400 44" role="img" aria-label={label} width="400" height="44">
      <line x1={x(-1)} x2={x(1)} y1="20" y2="20" class="axis" />
      <line x1={x(0)} x2={x(0)} y1="6" y2="34" class="zero" />
      <rect x={x(interval.lower)} width={Math.max(2, x(interval.upper) - x(interval.lower))} y="14" height="12" rx="3" class="bar" />
      <circle cx={x(delta)} cy="20" r="5" class="point" />
      <text x={x(-1)} y="42" class="tick">−1</text>
      <text x={x(0) - 3} y="42" class="tick">0</text>
      <text x={x(1) - 14} y="42" class="tick">+1</text>
    </svg>
  );
}

function Promote({ candidate }) {
  const caller = useCaller();
  const [tag, setTag] = useState("staging");
  const [message, setMessage] = useState("");
  const [done, setDone] = useState(null);
  const [error, setError] = useState(null);
  const denied = denial(caller, "write", tag.trim() || undefined);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const response = await api.promote(candidate.id, tag.trim(), message.trim());
      setDone(response.data);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="promote-heading">
      <h2 id="promote-heading">Promote the candidate</h2>
      <p>Saves exactly what ran in <strong>{candidate.name ?? candidate.id}</strong> (prompt, model and parameters) as a version of {candidate.prompt.name}, and moves the tag to it.</p>
      <div class="field">
        <label for="promote-tag">Tag (empty: save without tagging)</label>
        <input id="promote-tag" value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="promote-message">Message</label>
        <input id="promote-message" value={message} onInput={(e) => setMessage(e.currentTarget.value)} />
      </div>
      <ErrorBox error={error} />
      {done && (
        <p class="notice" role="status">
          {done.created ? "Saved as" : "Already saved as"} <a href={`/prompts/${candidate.prompt.name}?v=v${done.sequence}`}>v{done.sequence}</a>
          {done.tags?.length ? `; ${done.tags.map((t) => `${t.name} ${t.changed ? "moved to it" : "already pointed at it"}`).join(", ")}` : ""}.
        </p>
      )}
      <Action type="submit" class="primary" denied={denied}>Promote</Action>
    </form>
  );
}
