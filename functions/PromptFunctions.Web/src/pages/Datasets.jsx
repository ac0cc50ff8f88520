import { useLocation } from "preact-iso";
import { api } from "../api.js";
import { ErrorBox, Loading, PageTitle, Time, useLoad } from "../components.jsx";
import { Upload } from "./Upload.jsx";

export function Datasets() {
  const { route } = useLocation();
  const { data, error, loading } = useLoad(() => api.datasets(), []);
  return (
    <section>
      <PageTitle>Datasets</PageTitle>
      <ErrorBox error={error} />
      {loading && <Loading what="Loading datasets" />}
      {data && (
        <table class="grid">
          <thead><tr><th scope="col">Dataset</th><th scope="col">Versions</th><th scope="col">Latest</th><th scope="col">Examples</th><th scope="col">Updated</th></tr></thead>
          <tbody>
            {data.data.map((d) => (
              <tr key={d.name}>
                <th scope="row"><a href={`/datasets/${d.name}`}>{d.name}</a>{d.description && <div class="muted small">{d.description}</div>}</th>
                <td>{d.version_count}</td>
                <td>{d.latest ? `v${d.latest.sequence}` : "–"}</td>
                <td>{d.latest?.example_count ?? "–"}</td>
                <td><Time at={d.updated_at} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data?.data.length === 0 && <p>No datasets yet.</p>}
      <Upload askName onUploaded={(v) => v.created !== false && route(`/datasets/${v.dataset}`)} />
    </section>
  );
}
