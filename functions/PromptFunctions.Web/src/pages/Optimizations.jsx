import { useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, ApiError } from "../api.js";
import { denial, useCaller } from "../auth.jsx";
import { Action, ErrorBox, Loading, PageTitle, Time, num, shortId, useLoad, usePoll } from "../components.jsx";
import { MessagesView } from "./MessagesView.jsx";

const FINISHED = ["completed", "failed", "cancelled"];
const CANDIDATE_STATUS = {
  accepted: "Adopted", rejected: "Rejected", screened_out: "Screened out", not_better: "Not better", guard_regressed: "Guard regressed",
  outscored: "Outscored", not_evaluated: "Not evaluated",
};

/** Where a run's proposal stands: none, waiting for a decision, accepted or dismissed. */
function decision(run) {
  if (run.review) return run.review.decision;
  return run.result ? "pending" : null;
}
const Decision = ({ run }) => {
  const d = decision(run);
  if (!d) return <span class="muted">no proposal</span>;
  return <span class={`verdict ${d}`}>{d === "pending" ? "Waiting for a decision" : d === "accepted" ? `Accepted → ${run.review.tag}` : "Dismissed"}</span>;
};
const score = (s) => (s ? `${s.passed}/${s.examples} passed, objective ${num(s.objective)}` : "–");

/** Optimization runs, newest first, with the proposals that wait for a decision. */
export function Optimizations() {
  const { query } = useLocation();
  const { data, error } = useLoad(() => api.optimizations({ prompt: query.prompt }), [query.prompt]);
  return (
    <section>
      <PageTitle>Optimizations</PageTitle>
      <p>An optimization run rewrites a prompt's template from its failures and keeps a rewrite only if it wins on held-out examples; a winner is saved as a version and proposed here.
        {query.prompt && <> Showing runs of <a href={`/prompts/${query.prompt}`}>{query.prompt}</a> · <a href="/optimizations">show all</a></>}</p>
      <ErrorBox error={error} />
      {!data && !error && <Loading what="Loading optimizations" />}
      {data && data.data.length === 0 && <p>No optimization runs yet. Start one with <code>POST /api/optimizations</code>.</p>}
      {data && data.data.length > 0 && (
        <table class="grid">
          <thead><tr><th scope="col">Run</th><th scope="col">Prompt</th><th scope="col">Status</th><th scope="col">Proposal</th><th scope="col">Rounds, calls, cost</th><th scope="col">Started</th></tr></thead>
          <tbody>
            {data.data.map((o) => (
              <tr key={o.id}>
                <th scope="row"><a href={`/optimizations/${o.id}`} aria-label={`Optimization ${o.id}`}><code>{o.id.slice(0, 12)}</code></a></th>
                <td>{o.prompt} v{o.prompt_sequence} <span class="muted small">on {o.dataset}</span></td>
                <td><span class={`status ${o.status}`}>{o.status}</span>{o.outcome && <span class="muted small"> · {o.outcome.replaceAll("_", " ")}</span>}</td>
                <td>{o.result && <>v{o.result.sequence} </>}<Decision run={o} /></td>
                <td>{o.spent.rounds} · {o.spent.model_calls} · {num(o.spent.cost, 4)}</td>
                <td>{o.created_by} · <Time at={o.created_at} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One run: progress (polled), spend against the budget, every round's candidates and why each was kept or dropped, the result, accept or dismiss. */
export function Optimization() {
  const { params } = useRoute();
  const { data: run, error, setData } = usePoll((signal) => api.optimization(params.id, signal), (r) => FINISHED.includes(r.status), [params.id]);
  if (error) return <section><PageTitle>Optimization</PageTitle><ErrorBox error={error} /></section>;
  if (!run) return <Loading what="Loading the run" />;
  const b = run.budget;
  return (
    <section>
      <PageTitle title={`Optimization of ${run.prompt.name}`}>Optimization of <a href={`/prompts/${run.prompt.name}`}>{run.prompt.name}</a></PageTitle>
      <p role="status">
        <span class={`status ${run.status}`}>{run.status}</span>
        {run.outcome && <> · {run.outcome.replaceAll("_", " ")}</>}
        {run.stop_reason && <> · stopped by {run.stop_reason.replaceAll("_", " ")}</>}
        {!FINISHED.includes(run.status) && " · updating while it runs"}
      </p>
      {run.error && <div class="error" role="alert">{run.error}</div>}
      <dl class="facts">
        <dt>Started from</dt><dd>v{run.prompt.sequence}{run.prompt.tag ? ` (tag ${run.prompt.tag})` : ""}</dd>
        <dt>Data</dt><dd>{run.dataset.name}: {run.dataset.train} training and {run.dataset.validation} validation examples{run.guard ? `; guard ${run.guard.name} (${run.guard.examples})` : ""}</dd>
        <dt>Models</dt><dd>task {run.model.connection} / {run.model.model}; optimizer {run.optimizer.connection} / {run.optimizer.model ?? "default"}</dd>
        <dt>Spent</dt><dd>{run.spent.rounds} of {b.max_rounds} rounds · {run.spent.model_calls} of {b.max_model_calls} model calls · cost {num(run.spent.cost, 4)}{b.max_cost != null ? ` of ${num(b.max_cost, 4)}` : ""}</dd>
        <dt>Started</dt><dd>{run.created_by} · <Time at={run.created_at} />{run.completed_at && <> · finished <Time at={run.completed_at} /></>}</dd>
      </dl>
      {run.result && <Proposal run={run} onDecided={setData} />}
      {run.comparison && <FinalComparison comparison={run.comparison} />}
      {run.rounds.map((r) => <Round key={r.number} round={r} />)}
    </section>
  );
}

function Round({ round }) {
  const id = `round-${round.number}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>Round {round.number}</h2>
      <p>Started from <code>{shortId(round.baseline)}</code>: train {score(round.train)}; validation {score(round.validation)}.
        {round.optimizer && <> The optimizer saw {round.optimizer.shown_examples.length} examples{round.optimizer.error ? `, and its reply was unusable: ${round.optimizer.error}` : ""}.</>}
        {" "}Spent after the round: {round.spent.model_calls} calls.{round.stopped_by && ` Stopped by ${round.stopped_by.replaceAll("_", " ")}.`}</p>
      {round.candidates.length === 0 && <p class="muted">No candidates this round.</p>}
      {round.candidates.map((c) => (
        <article key={c.index} class="candidate" aria-labelledby={`${id}-c${c.index}`}>
          <h3 id={`${id}-c${c.index}`}>Candidate {c.index + 1} <span class={`verdict ${c.status === "accepted" ? "improved" : c.status === "rejected" || c.status === "guard_regressed" ? "regressed" : "non_inferior"}`}>{CANDIDATE_STATUS[c.status] ?? c.status}</span></h3>
          <p><strong>Rationale:</strong> {c.rationale ?? <span class="muted">none given</span>}</p>
          <p><strong>Why {c.status === "accepted" ? "kept" : "dropped"}:</strong> {c.reason}</p>
          <p class="small">Minibatch {score(c.minibatch)} (current version {score(c.minibatch_baseline)}); validation {score(c.validation)}{c.guard ? `; guard ${score(c.guard)}` : ""}</p>
          {c.validation_verdicts && <p class="small">Validation verdicts: {c.validation_verdicts.map((v) => `${v.evaluator} ${v.verdict.replaceAll("_", " ")}`).join(", ")}</p>}
          {c.template && (
            <details>
              <summary>Template of candidate {c.index + 1}</summary>
              <MessagesView template={Array.isArray(c.template) ? { type: "chat", messages: c.template } : { type: "string", template: c.template }} />
            </details>
          )}
        </article>
      ))}
    </section>
  );
}

function FinalComparison({ comparison }) {
  return (
    <section class="card" aria-labelledby="final-heading">
      <h2 id="final-heading">Final comparison</h2>
      <p>The saved version against the starting one on validation: {score(comparison.baseline_validation)} → {score(comparison.candidate_validation)}.</p>
      <ul>
        {comparison.validation.map((v) => <li key={v.evaluator}>{v.evaluator}: <span class={`verdict ${v.verdict}`}>{v.verdict.replaceAll("_", " ")}</span> <span class="small">{v.reason}</span></li>)}
        {(comparison.guard ?? []).map((v) => <li key={`g-${v.evaluator}`}>guard, {v.evaluator}: <span class={`verdict ${v.verdict}`}>{v.verdict.replaceAll("_", " ")}</span> <span class="small">{v.reason}</span></li>)}
      </ul>
      <p class="muted small">Selected on this same validation set, so optimistic: run an experiment on unseen data before promoting.</p>
    </section>
  );
}

/** The proposed version, and a person's decision on it: accept moves a tag (as the prompt page moves tags: with a reason, If-Match, protected tags need promote), dismiss records a no. */
function Proposal({ run, onDecided }) {
  const caller = useCaller();
  const name = run.prompt.name;
  const tags = useLoad(() => api.tags(name), [name, run.review?.decision]);
  const [tag, setTag] = useState("staging");
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const r = run.result;
  const current = tags.data?.data?.find((t) => t.name === tag.trim());
  const pending = !run.review && run.status === "completed";
  const act = (call) => async (event) => {
    event?.preventDefault();
    setBusy(true);
    setError(null);
    try { onDecided(await call()); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  const conflict = error instanceof ApiError && error.status === 412;
  const protectedTag = caller.protected_tags.includes(tag.trim());
  return (
    <section class="card" aria-labelledby="proposal-heading">
      <h2 id="proposal-heading">Proposed version v{r.sequence} <Decision run={run} /></h2>
      <p>{r.created ? "Saved" : "Found already saved"} as <a href={`/prompts/${name}?v=v${r.sequence}`}>v{r.sequence}</a> in round {r.round}; tag {r.target_tag} {r.tag_moved ? "moved to it" : "was not moved"}.
        {" "}<a href={`/prompts/${name}?from=v${run.prompt.sequence}&to=v${r.sequence}`}>Diff with the starting version v{run.prompt.sequence}</a>.</p>
      <p><strong>Rationale:</strong> {r.rationale ?? <span class="muted">none given</span>}</p>
      {run.review && (
        <p class="notice">
          {run.review.decision === "accepted" ? `Accepted: ${run.review.tag} moved to v${r.sequence}` : "Dismissed"} by {run.review.by} · <Time at={run.review.at} />
          {run.review.reason ? ` · “${run.review.reason}”` : ""}
        </p>
      )}
      {pending && (
        <div class="field">
          <label for="decision-reason">Reason</label>
          <input id="decision-reason" value={reason} maxLength={2000} onInput={(e) => setReason(e.currentTarget.value)} placeholder="why (kept with the decision, and in the tag's history when accepted)" />
        </div>
      )}
      {pending && (
        <div class="columns">
          <form onSubmit={act(() => api.acceptOptimization(run.id, tag.trim(), reason.trim(), current?.version.id))} aria-labelledby="accept-heading">
            <h3 id="accept-heading">Accept</h3>
            <div class="field">
              <label for="accept-tag">Tag to move to v{r.sequence}</label>
              <input id="accept-tag" required list="accept-tags" value={tag} pattern="[a-z0-9]([_a-z0-9\-]*[a-z0-9])?" onInput={(e) => setTag(e.currentTarget.value)}
                aria-describedby="accept-tag-hint" />
              <datalist id="accept-tags">{(tags.data?.data ?? []).map((t) => <option key={t.name} value={t.name} />)}</datalist>
              <small id="accept-tag-hint" class="hint">
                {current ? `Now at v${current.version.sequence}; moved only if nobody moves it meanwhile.` : "A new tag."}
                {protectedTag && " A protected tag: moving it needs the promote role."}
              </small>
            </div>
            {conflict && (
              <div class="error" role="alert">
                <strong>Someone moved {tag} meanwhile.</strong> It now points at {shortId(error.problem.current_version)}, not v{current?.version.sequence} as this page showed, so nothing was changed.
                <div><button type="button" onClick={() => { setError(null); tags.reload(); }}>Reload the tags</button></div>
              </div>
            )}
            <Action type="submit" class="primary" denied={denial(caller, "write", tag.trim() || undefined)} disabled={busy || !tag.trim()}>Accept</Action>
          </form>
          <form onSubmit={act(() => api.dismissOptimization(run.id, reason.trim()))} aria-labelledby="dismiss-heading">
            <h3 id="dismiss-heading">Dismiss</h3>
            <p>Records that the proposal was turned down, with the reason; the version stays in the history and no tag moves.</p>
            <Action type="submit" denied={denial(caller, "write")} disabled={busy}>Dismiss</Action>
          </form>
        </div>
      )}
      {!conflict && <ErrorBox error={error} />}
    </section>
  );
}
