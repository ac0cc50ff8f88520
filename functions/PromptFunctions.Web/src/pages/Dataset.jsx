import { useEffect, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api } from "../api.js";
import { ErrorBox, Loading, PageTitle, Time, useLoad } from "../components.jsx";
import { Upload } from "./Upload.jsx";

const PAGE = 25;

/** A dataset: its versions, the examples of one version a page at a time, and upload of a new version. */
export function Dataset() {
  const { params } = useRoute();
  const { query, route, path } = useLocation();
  const name = params.name;
  const versions = useLoad(() => api.datasetVersions(name), [name]);
  const selected = query.v ?? (versions.data?.data[0] ? `v${versions.data.data[0].sequence}` : null);
  const version = versions.data?.data.find((v) => `v${v.sequence}` === selected);

  return (
    <section>
      <PageTitle title={name}>Dataset {name}</PageTitle>
      <ErrorBox error={versions.error} />
      {versions.loading && <Loading what="Loading versions" />}
      {versions.data && (
        <table class="grid">
          <thead><tr><th scope="col">Version</th><th scope="col">Examples</th><th scope="col">Splits</th><th scope="col">Format</th><th scope="col">By</th><th scope="col">When</th><th scope="col">Message</th></tr></thead>
          <tbody>
            {versions.data.data.map((v) => (
              <tr key={v.id} class={`v${v.sequence}` === selected ? "selected" : undefined}>
                <th scope="row"><a href={`${path}?v=v${v.sequence}`} aria-current={`v${v.sequence}` === selected ? "true" : undefined} title={v.id}>v{v.sequence}</a></th>
                <td>{v.example_count}</td>
                <td>{v.splits.map((s) => `${s.name ?? "none"}: ${s.count}`).join(", ")}</td>
                <td>{v.source_format}</td>
                <td>{v.created_by}</td>
                <td><Time at={v.created_at} /></td>
                <td>{v.message ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {version && <Examples name={name} version={version} />}
      <Upload dataset={name} onUploaded={(v) => { versions.reload(); route(`${path}?v=v${v.sequence}`, true); }} />
    </section>
  );
}

function Examples({ name, version }) {
  const [split, setSplit] = useState("");
  const [cursors, setCursors] = useState([undefined]); // the cursor of each page visited, for going back
  const page = cursors.length - 1;
  const { data, error, loading } = useLoad(() => api.examples(name, `v${version.sequence}`, { split: split || undefined, cursor: cursors[page], limit: PAGE }),
    [name, version.id, split, cursors[page]]);
  useEffect(() => setCursors([undefined]), [version.id, split]);
  const total = split ? version.splits.find((s) => s.name === split)?.count ?? 0 : version.example_count;
  const first = page * PAGE + 1;

  return (
    <section aria-labelledby="examples-heading">
      <h2 id="examples-heading">Examples of v{version.sequence}</h2>
      <div class="toolbar">
        <div class="field inline">
          <label for="split-filter">Split</label>
          <select id="split-filter" value={split} onChange={(e) => setSplit(e.currentTarget.value)}>
            <option value="">all</option>
            {version.splits.filter((s) => s.name).map((s) => <option key={s.name}>{s.name}</option>)}
          </select>
        </div>
        <span aria-live="polite">{data ? `${first}–${first + data.data.length - 1} of ${total}` : ""}</span>
        <button type="button" disabled={page === 0} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button type="button" disabled={!data?.next_cursor} onClick={() => setCursors([...cursors, data.next_cursor])}>Next page</button>
      </div>
      <ErrorBox error={error} />
      {loading && <Loading what="Loading examples" />}
      {data && (
        <table class="grid">
          <thead><tr><th scope="col">#</th><th scope="col">Id</th><th scope="col">Split</th><th scope="col">Input</th><th scope="col">Expected</th><th scope="col">Metadata</th></tr></thead>
          <tbody>
            {data.data.map((x) => (
              <tr key={x.id}>
                <td>{x.index}</td>
                <td><code>{x.id}</code></td>
                <td>{x.split ?? ""}</td>
                <td><pre>{JSON.stringify(x.input, null, 1)}</pre></td>
                <td><pre>{x.expected === null || x.expected === undefined ? "" : typeof x.expected === "string" ? x.expected : JSON.stringify(x.expected)}</pre></td>
                <td>{x.metadata ? <pre>{JSON.stringify(x.metadata)}</pre> : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
