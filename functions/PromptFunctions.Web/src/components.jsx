import { cloneElement } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.js";

/** Loads with `load()` whenever `deps` change; returns { data, error, loading, reload, setData }. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => { live = false; };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1), setData: (data) => setState((s) => ({ ...s, data })) };
}

export function Loading({ what = "Loading" }) {
  return <p class="muted" role="status">{what}…</p>;
}

/** An API error as the server explained it, with every field fault (dataset uploads list lines here). */
export function ErrorBox({ error, title }) {
  if (!error) return null;
  const faults = error instanceof ApiError ? error.errors : [];
  const count = error instanceof ApiError ? error.problem.error_count : undefined;
  return (
    <div class="error" role="alert">
      {title && <strong>{title}: </strong>}
      <span>{error.message}</span>
      {faults.length > 0 && (
        <>
          {count > faults.length && <p>{count} problems in all; the first {faults.length}:</p>}
          <ul class="faults">
            {faults.map((f, i) => <li key={i}><code>{f.path}</code> {f.message}</li>)}
          </ul>
        </>
      )}
    </div>
  );
}

/**
 * A button that the key's roles may not allow: disabled, with the reason shown next to it and linked for screen
 * readers.
 */
export function Action({ denied, children, class: cls = "", type = "button", disabled = false, ...props }) {
  const id = useId();
  return (
    <span class="action">
      <button type={type} class={cls} {...props} disabled={!!denied || disabled} aria-describedby={denied ? id : undefined} data-gated="">
        {children}
      </button>
      {denied && <span id={id} class="reason">{denied}</span>}
    </span>
  );
}

export function Time({ at }) {
  if (!at) return null;
  const date = new Date(at);
  return <time datetime={at} title={at}>{date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}</time>;
}

export const shortId = (id) => (id ? id.slice(0, 10) : "");

/** "v3" with the content id on hover. */
export function VersionLabel({ sequence, id }) {
  return <span class="version" title={id}>v{sequence}</span>;
}

export function Json({ value }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

/** Moves focus to a page's heading when it mounts, so keyboard and screen reader users land on the new page. */
export function PageTitle({ children, title }) {
  const ref = useRef(null);
  useEffect(() => {
    document.title = `${title ?? (typeof children === "string" ? children : "")} · PromptFunctions`;
    ref.current?.focus({ preventScroll: true });
  }, [title, typeof children === "string" ? children : ""]);
  return <h1 tabIndex={-1} ref={ref}>{children}</h1>;
}

export function Field({ label, hint, children }) {
  const id = useId();
  const child = Array.isArray(children) ? children[0] : children;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {child && cloneElement(child, { id, "aria-describedby": hint ? `${id}-hint` : undefined })}
      {hint && <small id={`${id}-hint`} class="hint">{hint}</small>}
    </div>
  );
}

export const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)} %`);
export const num = (x, digits = 3) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits).replace(/\.?0+$/, "") || "0");
export const signed = (x, digits = 3) => (x === null || x === undefined ? "–" : `${x > 0 ? "+" : ""}${num(x, digits)}`);

/** Polls `load(signal)` every second until `done(value)`; returns { data, error }. */
export function usePoll(load, done, deps) {
  const [state, setState] = useState({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let timer, live = true;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const data = await load(controller.signal);
        if (!live) return;
        setState({ data, error: null });
        if (!done(data)) timer = setTimeout(poll, 1000);
      } catch (error) {
        if (live && error.name !== "AbortError") setState((s) => ({ ...s, error }));
      }
    };
    poll();
    return () => { live = false; clearTimeout(timer); controller.abort(); };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1), setData: (data) => setState((s) => ({ ...s, data })) };
}
