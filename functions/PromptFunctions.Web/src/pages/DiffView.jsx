import { Json } from "../components.jsx";

/** GET /diff's structured answer: messages with line changes, variables, model, parameters, tools, response format. */
export function DiffView({ diff }) {
  const from = `v${diff.from.sequence}`;
  const to = `v${diff.to.sequence}`;
  if (diff.identical) return <p class="ok" role="status">{from} and {to} have identical content.</p>;
  const sections = [
    ["Model", diff.model], ["Parameters", diff.invocation_parameters], ["Tools", diff.tools],
    ["Response format", diff.response_format], ["Description", diff.description], ["Metadata", diff.metadata],
  ];
  return (
    <div class="diff" aria-label={`Differences from ${from} to ${to}`}>
      <p>From <strong>{from}</strong> to <strong>{to}</strong>.</p>
      {diff.template_type && <p>Template type: {diff.template_type.from} → {diff.template_type.to}</p>}
      {diff.template_format && <p>Template format: {diff.template_format.from} → {diff.template_format.to}</p>}
      <h3>Messages</h3>
      <ol class="messages">
        {diff.messages.map((m, i) => <MessageChange key={i} change={m} />)}
      </ol>
      <h3>Variables</h3>
      {diff.variables.added.length === 0 && diff.variables.removed.length === 0
        ? <p class="muted">The same variables.</p>
        : <ul>
          {diff.variables.added.map((v) => <li key={`+${v}`} class="ins">added <code>{v}</code></li>)}
          {diff.variables.removed.map((v) => <li key={`-${v}`} class="del">removed <code>{v}</code></li>)}
        </ul>}
      {sections.map(([title, changes]) => (
        <div key={title}>
          <h3>{title}</h3>
          {!changes?.length ? <p class="muted">Unchanged.</p> : <FieldChanges changes={changes} />}
        </div>
      ))}
    </div>
  );
}

function MessageChange({ change }) {
  const role = typeof change.role === "object" && change.role ? `${change.role.from} → ${change.role.to}` : change.role ?? change.message?.role;
  if (change.change === "unchanged") return <li class="message unchanged"><span class="muted">message {change.to_index + 1}: unchanged</span></li>;
  if (change.change === "added" || change.change === "removed") {
    return (
      <li class={`message ${change.change === "added" ? "ins" : "del"}`}>
        <span class="role">{change.change} {role}</span>
        <pre>{typeof change.message?.content === "string" ? change.message.content : JSON.stringify(change.message)}</pre>
      </li>
    );
  }
  return (
    <li class="message changed">
      <span class="role">changed {role}</span>
      {change.text_diff && (
        <pre class="text-diff">
          {change.text_diff.map((line, i) => (
            <span key={i} class={line.op === "+" ? "ins" : line.op === "-" ? "del" : "same"}>
              <span class="op" aria-hidden="true">{line.op === "+" ? "+ " : line.op === "-" ? "- " : "  "}</span>
              <span class="sr-only">{line.op === "+" ? "added: " : line.op === "-" ? "removed: " : ""}</span>
              {line.text}{"\n"}
            </span>
          ))}
        </pre>
      )}
      {change.fields && <FieldChanges changes={change.fields} />}
    </li>
  );
}

function FieldChanges({ changes }) {
  return (
    <table class="grid">
      <thead><tr><th scope="col">Field</th><th scope="col">Change</th><th scope="col">From</th><th scope="col">To</th></tr></thead>
      <tbody>
        {changes.map((c, i) => (
          <tr key={i}>
            <td><code>{c.field ?? c.name}</code></td>
            <td>{c.change}</td>
            <td class="del">{c.from === undefined ? "" : <Value v={c.from ?? c.tool} />}</td>
            <td class="ins">{c.to === undefined ? (c.change === "added" ? <Value v={c.tool} /> : "") : <Value v={c.to} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const Value = ({ v }) => (v === null || v === undefined ? <span class="muted">none</span> : typeof v === "object" ? <Json value={v} /> : <code>{String(v)}</code>);
