import { useState } from "preact/hooks";
import { api, session, ApiError } from "../api.js";

export function SignIn({ onSignedIn }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api.me(key.trim());
      session.set(key.trim(), me);
      onSignedIn(me);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? "The service does not know this key." : e.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <h1>PromptFunctions</h1>
      <form onSubmit={submit} class="card">
        <h2>Sign in</h2>
        <p>Paste an API key. It is kept in this browser tab's session only and sent with every request; the page shows
          what the key's roles allow.</p>
        <div class="field">
          <label for="api-key">API key</label>
          <input id="api-key" type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)}
            aria-invalid={error ? "true" : undefined} aria-describedby={error ? "signin-error" : undefined} />
        </div>
        {error && <p id="signin-error" class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? "Checking…" : "Sign in"}</button>
      </form>
    </main>
  );
}
