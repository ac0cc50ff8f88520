// Starts what the browser tests and the page benchmark run against: an in-memory Azurite, the stub model server
// (tests/PromptFunctions.StubModel.Host) and the real local host (Release build, which serves the built page from
// its output folder), each on free loopback ports, the same way tests/compat/run.mjs does for the JS clients.
// Also launches Debian's Chromium through playwright-core (Playwright's own browser download cannot reach its host).
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = resolve(here, "..");
export const repoRoot = resolve(webRoot, "..", "..");
const hostDll = join(repoRoot, "functions/PromptFunctions.LocalHost/bin/Release/net10.0/PromptFunctions.LocalHost.dll");
const hostPage = join(repoRoot, "functions/PromptFunctions.LocalHost/bin/Release/net10.0/webui/index.html");
const stubDll = join(repoRoot, "tests/PromptFunctions.StubModel.Host/bin/Release/net10.0/PromptFunctions.StubModel.Host.dll");
const azuriteJs = join(repoRoot, "node_modules/azurite/dist/src/azurite.js");
const accountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
export const chromiumPath = process.env.PF_CHROMIUM ?? "/usr/bin/chromium";

export const keys = {
  admin: "web-admin-key-0123456789",
  reader: "web-reader-key-0123456789",
  writer: "web-writer-key-0123456789",
};

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

function start(command, args, env = {}) {
  const logs = [];
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  child.stdout.on("data", (d) => logs.push(d.toString()));
  child.stderr.on("data", (d) => logs.push(d.toString()));
  return { child, logs };
}

async function waitFor(check, what, proc, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited with ${proc.child.exitCode}:\n${proc.logs.join("")}`);
    const value = await check().catch(() => undefined);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not ready within ${timeoutMs} ms:\n${proc.logs.join("")}`);
}

/** Fails with what to do when a prerequisite the scripts normally build is missing. */
export function checkPrerequisites() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is missing at ${chromiumPath}: install Debian's package (apt-get install -y chromium); ./test.sh does it when run as root.`);
  }
  if (!existsSync(azuriteJs)) throw new Error("Azurite is missing: run `npm ci` in the repository root.");
  for (const [project, dll] of [["functions/PromptFunctions.LocalHost", hostDll], ["tests/PromptFunctions.StubModel.Host", stubDll]]) {
    if (existsSync(dll)) continue;
    const build = spawnSync("dotnet", ["build", join(repoRoot, project), "-c", "Release", "-nologo", "-v", "q"], { stdio: "inherit" });
    if (build.status !== 0) throw new Error(`building ${project} failed`);
  }
  if (!existsSync(hostPage)) {
    throw new Error(`The local host's output has no built page (${hostPage}): run \`npm run build\` in functions/PromptFunctions.Web, then build the host.`);
  }
}

/**
 * Azurite, stub model and local host. `latencyMs` slows every model answer, so that a running experiment can be
 * seen running. Returns { baseUrl, keys, logs(), stop() }.
 */
export async function startStack({ latencyMs = 0, settings = {} } = {}) {
  checkPrerequisites();
  const [blob, queue, table, http] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const azurite = start("node", [azuriteJs, "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
    "--blobHost", "127.0.0.1", "--blobPort", String(blob), "--queueHost", "127.0.0.1", "--queuePort", String(queue),
    "--tableHost", "127.0.0.1", "--tablePort", String(table)]);
  const stub = start("dotnet", [stubDll, String(latencyMs)]);
  const stopAll = [azurite, stub];
  try {
    const stubEndpoint = await waitFor(async () => /endpoint=(\S+)/.exec(stub.logs.join(""))?.[1], "the stub model server", stub);
    const storage = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${accountKey};` +
      `BlobEndpoint=http://127.0.0.1:${blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${queue}/devstoreaccount1;` +
      `TableEndpoint=http://127.0.0.1:${table}/devstoreaccount1;`;
    const baseUrl = `http://127.0.0.1:${http}`;
    const host = start("dotnet", [hostDll], {
      ASPNETCORE_URLS: baseUrl,
      ASPNETCORE_ENVIRONMENT: "Production",
      ConnectionStrings__Storage: storage,
      Auth__Keys__0__Name: "web-admin", Auth__Keys__0__Secret: keys.admin, Auth__Keys__0__Roles__0: "admin",
      Auth__Keys__1__Name: "web-reader", Auth__Keys__1__Secret: keys.reader, Auth__Keys__1__Roles__0: "read",
      Auth__Keys__2__Name: "web-writer", Auth__Keys__2__Secret: keys.writer, Auth__Keys__2__Roles__0: "write",
      Models__stub__Provider: "openai-compatible",
      Models__stub__Endpoint: stubEndpoint,
      Models__stub__Model: "stub-model",
      Logging__LogLevel__Default: "Warning",
      ...settings,
    });
    stopAll.unshift(host);
    await waitFor(async () => (await fetch(`${baseUrl}/api/health`)).ok, "the local host", host);
    return {
      baseUrl,
      keys,
      logs: () => host.logs.join(""),
      stop: async () => {
        for (const p of stopAll) p.child.kill("SIGTERM");
        await Promise.all(stopAll.map((p) => p.child.exitCode !== null ? null : new Promise((r) => p.child.once("exit", r))));
      },
    };
  } catch (e) {
    for (const p of stopAll) p.child.kill("SIGTERM");
    throw e;
  }
}

/**
 * Debian's Chromium with the flags this machine needs. Playwright starts every launch on a new, empty profile
 * directory of its own and deletes it on close (it refuses --user-data-dir among the arguments).
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  return browser;
}

/** The API as the tests' setup calls it (no browser): returns { status, json, headers }. */
export function api(baseUrl, key) {
  return async (method, path, body, headers = {}) => {
    const isText = typeof body === "string";
    const response = await fetch(`${baseUrl}/api${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "Content-Type": isText ? "text/csv" : "application/json" }), ...headers },
      body: body === undefined ? undefined : isText ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: response.status, json, text, headers: response.headers };
  };
}
