import { useEffect, useState } from "preact/hooks";
import { LocationProvider, Router, Route, lazy, useLocation } from "preact-iso";
import { api, session, onUnauthorized } from "./api.js";
import { Caller } from "./auth.jsx";
import { SignIn } from "./pages/SignIn.jsx";
import { Prompts } from "./pages/Prompts.jsx";
import { PromptPage } from "./pages/Prompt.jsx";
import { Loading } from "./components.jsx";

// The prompt list and a prompt's page are where people land, so they are in the main bundle; the rest load when
// visited.
const Edit = lazy(() => import("./pages/Edit.jsx").then((m) => m.Edit));
const Playground = lazy(() => import("./pages/Playground.jsx").then((m) => m.Playground));
const Datasets = lazy(() => import("./pages/Datasets.jsx").then((m) => m.Datasets));
const Dataset = lazy(() => import("./pages/Dataset.jsx").then((m) => m.Dataset));
const Experiments = lazy(() => import("./pages/Experiments.jsx").then((m) => m.Experiments));
const Experiment = lazy(() => import("./pages/Experiment.jsx").then((m) => m.Experiment));
const Compare = lazy(() => import("./pages/Compare.jsx").then((m) => m.Compare));
const Suites = lazy(() => import("./pages/Suites.jsx").then((m) => m.Suites));
const Suite = lazy(() => import("./pages/Suites.jsx").then((m) => m.Suite));
const SuiteRun = lazy(() => import("./pages/Suites.jsx").then((m) => m.SuiteRun));
const Optimizations = lazy(() => import("./pages/Optimizations.jsx").then((m) => m.Optimizations));
const Optimization = lazy(() => import("./pages/Optimizations.jsx").then((m) => m.Optimization));

export function App() {
  return (
    <LocationProvider>
      <Shell />
    </LocationProvider>
  );
}

function Shell() {
  const { path, route } = useLocation();
  // undefined: checking the stored key; null: signed out. A key seen before in this tab renders at once with what
  // the API said about it then, and is asked again meanwhile (its roles may have changed).
  const [caller, setCaller] = useState(() => (session.key ? session.caller ?? undefined : null));

  useEffect(() => {
    const key = session.key;
    if (!key) { setCaller(null); return; }
    // A sign-out while the answer is on its way must not be undone by it.
    api.me(key).then(
      (me) => { if (session.key === key) { session.set(key, me); setCaller(me); } },
      (e) => { if (session.key === key && (e.status === 401 || !session.caller)) { session.clear(); setCaller(null); } });
  }, []);
  useEffect(() => onUnauthorized(() => { session.clear(); setCaller(null); }), []);

  const signOut = () => { session.clear(); setCaller(null); route("/"); };

  if (caller === undefined) return <main id="main"><Loading what="Checking your key" /></main>;
  if (caller === null) return <SignIn onSignedIn={(me) => { setCaller(me); if (path === "/" || path === "/signin") route("/prompts"); }} />;

  const nav = [["/prompts", "Prompts"], ["/datasets", "Datasets"], ["/experiments", "Experiments"], ["/suites", "Suites"], ["/optimizations", "Optimizations"]];
  return (
    <Caller.Provider value={caller}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="/prompts">PromptFunctions</a>
        <nav aria-label="Main">
          <ul>
            {nav.map(([href, label]) => (
              <li key={href}><a href={href} aria-current={path.startsWith(href) || (href === "/suites" && path.startsWith("/suite-runs")) ? "page" : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>Signed in as <strong>{caller.name}</strong> <span class="muted">({roleSummary(caller)})</span></span>
          <button type="button" class="link" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main">
        <Router>
          <Route path="/" component={Prompts} />
          <Route path="/prompts" component={Prompts} />
          <Route path="/prompts/:name" component={PromptPage} />
          <Route path="/prompts/:name/edit" component={Edit} />
          <Route path="/prompts/:name/playground" component={Playground} />
          <Route path="/datasets" component={Datasets} />
          <Route path="/datasets/:name" component={Dataset} />
          <Route path="/experiments" component={Experiments} />
          <Route path="/experiments/compare" component={Compare} />
          <Route path="/experiments/:id" component={Experiment} />
          <Route path="/suites" component={Suites} />
          <Route path="/suites/:name" component={Suite} />
          <Route path="/suite-runs/:id" component={SuiteRun} />
          <Route path="/optimizations" component={Optimizations} />
          <Route path="/optimizations/:id" component={Optimization} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </Caller.Provider>
  );
}

function roleSummary(caller) {
  const p = caller.permissions;
  if (p.admin) return "admin";
  return [p.read && "read", p.write && "write", p.promote && "promote"].filter(Boolean).join(", ") || "no roles";
}

function NotFound() {
  return <section><h1>Page not found</h1><p>Nothing lives at this address. <a href="/prompts">Go to the prompts.</a></p></section>;
}
