import { useState } from "preact/hooks";
import { api } from "../api.js";
import { useDenial } from "../auth.jsx";
import { Action, ErrorBox } from "../components.jsx";

const ROLES = [["input", "input variable"], ["expected", "expected output"], ["id", "example id"], ["split", "split"], ["metadata", "metadata"], ["ignore", "leave out"]];

/** The first CSV record's fields (quoted fields may hold commas and doubled quotes). */
function csvHeader(text) {
  const fields = [];
  let field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { fields.push(field); field = ""; } else if (c === "\n" || c === "\r") break;
    else field += c;
  }
  fields.push(field);
  return fields.map((f) => f.replace(/^\uFEFF/, ""));
}

function formatOf(file) {
  const n = file.name.toLowerCase();
  if (n.endsWith(".csv")) return { type: "text/csv", kind: "csv" };
  if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) return { type: "application/x-ndjson", kind: "jsonl" };
  if (n.endsWith(".json")) return { type: "application/json", kind: "json" };
  return null;
}

const defaultRole = (column) => (["id", "expected", "split"].includes(column) ? column : "input");

/**
 * Upload CSV or JSON Lines as a new version, with each column's role chosen from the file's header. The API checks
 * the whole file first; a rejected upload stores nothing and lists every bad line.
 */
export function Upload({ dataset, onUploaded, askName = false }) {
  const denied = useDenial("write");
  const [name, setName] = useState(dataset ?? "");
  const [file, setFile] = useState(null);
  const [columns, setColumns] = useState([]);
  const [roles, setRoles] = useState({});
  const [message, setMessage] = useState("");
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);

  const pick = async (event) => {
    const chosen = event.currentTarget.files?.[0] ?? null;
    setFile(chosen);
    setError(null);
    setDone(null);
    setColumns([]);
    if (!chosen) return;
    const head = await chosen.slice(0, 64 * 1024).text();
    const format = formatOf(chosen);
    let found = [];
    if (format?.kind === "csv") found = csvHeader(head);
    if (format?.kind === "jsonl") {
      try {
        const first = JSON.parse(head.split(/\r?\n/).find((l) => l.trim()) ?? "{}");
        // A line already in example form ({input, expected?, ...}) needs no mapping.
        if (!(first.input && typeof first.input === "object")) found = Object.keys(first);
      } catch { /* the server reports the line */ }
    }
    setColumns(found);
    setRoles(Object.fromEntries(found.map((c) => [c, defaultRole(c)])));
  };

  const submit = async (event) => {
    event.preventDefault();
    const format = formatOf(file);
    if (!format) { setError(new Error("Choose a .csv, .jsonl, .ndjson or .json file.")); return; }
    const byRole = (role) => columns.filter((c) => roles[c] === role);
    const one = (role) => {
      const list = byRole(role);
      if (list.length > 1) throw new Error(`Only one column can be the ${role}; ${list.join(", ")} are.`);
      return list[0];
    };
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const params = format.kind === "json" ? {} : {
        id_column: one("id"),
        split_column: one("split"),
        ...(byRole("expected").length > 1 ? { expected_columns: byRole("expected").join(",") } : { expected_column: one("expected") }),
        metadata_columns: byRole("metadata").join(","),
        // Listing the inputs drops the columns left out.
        input_columns: byRole("ignore").length ? byRole("input").join(",") : undefined,
        message: message.trim() || undefined,
      };
      const response = await api.upload(name, file, format.type, params);
      setDone(response.data);
      onUploaded?.(response.data);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="upload-heading">
      <h2 id="upload-heading">{askName ? "Upload a dataset" : "Upload a new version"}</h2>
      {askName && (
        <div class="field">
          <label for="upload-name">Dataset name</label>
          <input id="upload-name" required pattern="[a-z0-9]([_a-z0-9\-]*[a-z0-9])?" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
      )}
      <div class="field">
        <label for="upload-file">File (CSV with a header line, or JSON Lines)</label>
        <input id="upload-file" type="file" accept=".csv,.jsonl,.ndjson,.json" onChange={pick} />
      </div>
      {columns.length > 0 && (
        <fieldset>
          <legend>Columns</legend>
          <table class="grid">
            <thead><tr><th scope="col">Column</th><th scope="col">Becomes</th></tr></thead>
            <tbody>
              {columns.map((c) => (
                <tr key={c}>
                  <th scope="row"><label for={`role-${c}`}>{c}</label></th>
                  <td>
                    <select id={`role-${c}`} value={roles[c]} onChange={(e) => setRoles({ ...roles, [c]: e.currentTarget.value })}>
                      {ROLES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
      )}
      <div class="field">
        <label for="upload-message">Message</label>
        <input id="upload-message" value={message} maxLength={2000} onInput={(e) => setMessage(e.currentTarget.value)} />
      </div>
      <ErrorBox error={error} title="Nothing was stored" />
      {done && (
        <p class="notice" role="status">
          {done.created ? `Stored as v${done.sequence}` : `Identical content already exists as v${done.sequence}; nothing new was stored`}: {done.example_count} examples
          {done.splits?.length ? ` (${done.splits.map((s) => `${s.name ?? "no split"} ${s.count}`).join(", ")})` : ""}.
        </p>
      )}
      <Action type="submit" class="primary" denied={denied} disabled={busy || !file || !name}>{busy ? "Uploading…" : "Upload"}</Action>
    </form>
  );
}
