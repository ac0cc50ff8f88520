// The API on the page's own origin. Every call carries the key from session storage (never local storage: it is
// gone when the browser session ends) and turns problem+json answers into ApiError with the server's detail.

const KEY = "pf.apiKey";
const CALLER = "pf.caller";

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  /** What GET /api/me said about the key, kept so a reload renders at once (and is checked again meanwhile). */
  get caller() {
    try { return JSON.parse(sessionStorage.getItem(CALLER) ?? "null"); } catch { return null; }
  },
  set(key, caller) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(CALLER, JSON.stringify(caller));
  },
  clear() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(CALLER);
  },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.message ?? `The request failed with status ${status}.`);
    this.status = status;
    this.problem = problem ?? {};
  }
  /** Field-level faults of a 422: [{path, message}]. */
  get errors() { return this.problem.errors ?? []; }
}

/** Listeners told when the key is rejected (401), so the page can return to sign-in. */
const unauthorized = new Set();
export const onUnauthorized = (listener) => { unauthorized.add(listener); return () => unauthorized.delete(listener); };

export async function request(method, path, { body, headers = {}, key = session.key, raw = false, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal };
  if (key) init.headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) {
    if (typeof body === "string" || body instanceof Blob) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
  }
  const response = await fetch(`/api${path}`, init);
  if (raw) return response;
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = { detail: text }; }
  }
  if (!response.ok) {
    if (response.status === 401 && key === session.key) unauthorized.forEach((l) => l());
    throw new ApiError(response.status, json);
  }
  return { status: response.status, data: json, etag: response.headers.get("ETag") };
}

export const get = (path, options) => request("GET", path, options).then((r) => r.data);
export const post = (path, body, options) => request("POST", path, { ...options, body });
export const put = (path, body, options) => request("PUT", path, { ...options, body });

const q = (params) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") s.set(k, v);
  const text = s.toString();
  return text ? `?${text}` : "";
};
export const query = q;
const e = encodeURIComponent;

export const api = {
  me: (key) => request("GET", "/me", { key }).then((r) => r.data),
  prompts: (cursor, limit = 100) => get(`/prompts${q({ limit, cursor })}`),
  drift: (names, cursor, limit = 100) => get(`/tags${q({ names: names.join(","), limit, cursor })}`),
  prompt: (name) => get(`/prompts/${e(name)}`),
  versions: (name, cursor, limit = 50) => get(`/prompts/${e(name)}/versions${q({ limit, cursor })}`),
  version: (name, ref) => get(ref === "latest" ? `/prompts/${e(name)}/latest` : `/prompts/${e(name)}/versions/${e(ref)}`),
  variables: (name, ref) => get(`/prompts/${e(name)}/versions/${e(ref)}/variables`),
  diff: (name, from, to) => get(`/prompts/${e(name)}/diff${q({ from, to })}`),
  render: (name, version, variables) => post(`/prompts/${e(name)}/render`, { version, variables, strict: false }).then((r) => r.data),
  createVersion: (name, body) => post(`/prompts/${e(name)}/versions`, body),
  tags: (name) => get(`/prompts/${e(name)}/tags`),
  history: (name, tag, cursor) => get(`/prompts/${e(name)}/tags/${e(tag)}/history${q({ limit: 50, cursor })}`),
  moveTag: (name, tag, version, reason, ifMatch) =>
    put(`/prompts/${e(name)}/tags/${e(tag)}`, { version, ...(reason ? { reason } : {}) }, { headers: ifMatch ? { "If-Match": `"${ifMatch}"` } : {} }),
  rollbackTag: (name, tag, reason) => post(`/prompts/${e(name)}/tags/${e(tag)}/rollback`, reason ? { reason } : {}),
  datasets: (cursor) => get(`/datasets${q({ limit: 100, cursor })}`),
  dataset: (name) => get(`/datasets/${e(name)}`),
  datasetVersions: (name, cursor) => get(`/datasets/${e(name)}/versions${q({ limit: 50, cursor })}`),
  datasetVersion: (name, ref) => get(`/datasets/${e(name)}/versions/${e(ref)}`),
  examples: (name, ref, { split, cursor, limit = 25 } = {}) => get(`/datasets/${e(name)}/versions/${e(ref)}/examples${q({ split, cursor, limit })}`),
  upload: (name, body, contentType, params) =>
    request("POST", `/datasets/${e(name)}/versions${q(params)}`, { body, headers: { "Content-Type": contentType } }),
  experiments: (filters = {}, cursor) => get(`/experiments${q({ ...filters, limit: 50, cursor })}`),
  experiment: (id, signal) => get(`/experiments/${e(id)}`, { signal }),
  rows: (id, cursor, limit = 50) => get(`/experiments/${e(id)}/rows${q({ limit, cursor })}`),
  startExperiment: (body) => post("/experiments", body).then((r) => r.data),
  compare: (baseline, candidate) => get(`/experiments/compare${q({ baseline, candidate, seed: 1 })}`),
  promote: (id, tag, message) => post(`/experiments/${e(id)}/promote`, { ...(tag ? { tag } : {}), ...(message ? { message } : {}) }),
  playground: (body) => post("/playground", body).then((r) => r.data),
  suites: (cursor) => get(`/suites${q({ limit: 100, cursor })}`),
  suite: (name) => get(`/suites/${e(name)}`),
  suiteRuns: (name, cursor) => get(`/suites/${e(name)}/runs${q({ limit: 20, cursor })}`),
  suiteRun: (id, signal) => get(`/suite-runs/${e(id)}`, { signal }),
  startSuiteRun: (name) => post(`/suites/${e(name)}/runs`, {}).then((r) => r.data),
  optimizations: (filters = {}, cursor) => get(`/optimizations${q({ ...filters, limit: 50, cursor })}`),
  optimization: (id, signal) => get(`/optimizations/${e(id)}`, { signal }),
  acceptOptimization: (id, tag, reason, ifMatch) =>
    post(`/optimizations/${e(id)}/accept`, { tag, ...(reason ? { reason } : {}) }, { headers: ifMatch ? { "If-Match": `"${ifMatch}"` } : {} }).then((r) => r.data),
  dismissOptimization: (id, reason) => post(`/optimizations/${e(id)}/dismiss`, reason ? { reason } : {}).then((r) => r.data),
};
