// Starts an in-memory Azurite and the local host (Release build) on free loopback ports, runs every
// *.test.mjs file here with node's test runner against it, and stops both. Exit code = the test runner's.
//
// The tests get:
//   PF_BASE_URL      http://127.0.0.1:<port>           (the host root; the API is under /api)
//   PF_ADMIN_KEY     a key with the admin role           (name "compat-admin")
//   PF_READER_KEY    a key with only the read role       (name "compat-reader")
//   PF_WRITER_KEY    a key with read + write             (name "compat-writer")
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { readdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const hostDll = join(root, "functions/PromptFunctions.LocalHost/bin/Release/net10.0/PromptFunctions.LocalHost.dll");
const azuriteJs = join(root, "node_modules/azurite/dist/src/azurite.js");
const accountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export const keys = {
  admin: "compat-admin-key-0123456789",
  reader: "compat-reader-key-0123456789",
  writer: "compat-writer-key-0123456789",
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

async function waitFor(url, what, child, logs, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${logs.join("")}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms:\n${logs.join("")}`);
}

function start(command, args, env) {
  const logs = [];
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  child.stdout.on("data", (d) => logs.push(d.toString()));
  child.stderr.on("data", (d) => logs.push(d.toString()));
  return { child, logs };
}

if (!existsSync(azuriteJs)) throw new Error("Azurite is missing: run `npm ci` in the repository root.");
if (!existsSync(hostDll)) {
  const build = spawnSync("dotnet", ["build", join(root, "functions/PromptFunctions.LocalHost"), "-c", "Release", "-nologo", "-v", "q"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const [blob, queue, table, http] = [await freePort(), await freePort(), await freePort(), await freePort()];
const azurite = start("node", [azuriteJs, "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
  "--blobHost", "127.0.0.1", "--blobPort", String(blob), "--queueHost", "127.0.0.1", "--queuePort", String(queue),
  "--tableHost", "127.0.0.1", "--tablePort", String(table)], {});
const storage = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${accountKey};` +
  `BlobEndpoint=http://127.0.0.1:${blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${queue}/devstoreaccount1;` +
  `TableEndpoint=http://127.0.0.1:${table}/devstoreaccount1;`;

const baseUrl = `http://127.0.0.1:${http}`;
const host = start("dotnet", [hostDll], {
  ASPNETCORE_URLS: baseUrl,
  ASPNETCORE_ENVIRONMENT: "Production",
  ConnectionStrings__Storage: storage,
  Auth__Keys__0__Name: "compat-admin", Auth__Keys__0__Secret: keys.admin, Auth__Keys__0__Roles__0: "admin",
  Auth__Keys__1__Name: "compat-reader", Auth__Keys__1__Secret: keys.reader, Auth__Keys__1__Roles__0: "read",
  Auth__Keys__2__Name: "compat-writer", Auth__Keys__2__Secret: keys.writer, Auth__Keys__2__Roles__0: "write",
  Logging__LogLevel__Default: "Warning",
});

let status = 1;
try {
  await waitFor(`${baseUrl}/api/health`, "the local host", host.child, host.logs);
  const files = readdirSync(here).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => join(here, f));
  const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], {
    stdio: "inherit",
    env: { ...process.env, PF_BASE_URL: baseUrl, PF_ADMIN_KEY: keys.admin, PF_READER_KEY: keys.reader, PF_WRITER_KEY: keys.writer },
  });
  status = run.status ?? 1;
  if (status !== 0) console.error(`--- local host log ---\n${host.logs.join("").slice(-8000)}`);
} finally {
  host.child.kill("SIGTERM");
  azurite.child.kill("SIGTERM");
}
process.exit(status);
