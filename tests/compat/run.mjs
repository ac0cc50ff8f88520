// Starts an in-memory Azurite and a host on free loopback ports, runs every *.test.mjs file here with node's test
// runner against it, and stops both. Exit code = the test runner's.
//
//   node run.mjs                  the local host (Release build of functions/PromptFunctions.LocalHost)
//   node run.mjs functions-host   the Functions app (Release build output) inside the real Azure Functions host:
//                                 ../shared/functions-host/func-host, or the command in FUNCTIONS_HOST (a func-host
//                                 compatible script, or `func` for Core Tools)
//
// The tests get:
//   PF_BASE_URL      http://127.0.0.1:<port>           (the host root; the API is under /api)
//   PF_ADMIN_KEY     a key with the admin role           (name "compat-admin")
//   PF_READER_KEY    a key with only the read role       (name "compat-reader")
//   PF_WRITER_KEY    a key with read + write             (name "compat-writer")
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { readdirSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const hostDll = join(root, "functions/PromptFunctions.LocalHost/bin/Release/net10.0/PromptFunctions.LocalHost.dll");
const functionAppDir = join(root, "functions/PromptFunctions.FunctionApp/bin/Release/net10.0");
const kind = process.argv[2] ?? "local-host";
if (kind !== "local-host" && kind !== "functions-host") throw new Error(`unknown host '${kind}': local-host or functions-host`);
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

async function waitFor(url, what, child, logs, timeoutMs = 60000, anyAnswer = false) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${logs.join("")}`);
    try {
      const response = await fetch(url);
      if (response.ok || anyAnswer) return;
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
const [project, output] = kind === "local-host"
  ? ["functions/PromptFunctions.LocalHost", hostDll]
  : ["functions/PromptFunctions.FunctionApp", join(functionAppDir, "functions.metadata")];
if (!existsSync(output)) {
  const build = spawnSync("dotnet", ["build", join(root, project), "-c", "Release", "-nologo", "-v", "q"], { stdio: "inherit" });
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
const settings = {
  ConnectionStrings__Storage: storage,
  Auth__Keys__0__Name: "compat-admin", Auth__Keys__0__Secret: keys.admin, Auth__Keys__0__Roles__0: "admin",
  Auth__Keys__1__Name: "compat-reader", Auth__Keys__1__Secret: keys.reader, Auth__Keys__1__Roles__0: "read",
  Auth__Keys__2__Name: "compat-writer", Auth__Keys__2__Secret: keys.writer, Auth__Keys__2__Roles__0: "write",
};

/** The real Functions host in a process group of its own; resolves to a function that kills the group. */
async function startFunctionsHost() {
  const command = process.env.FUNCTIONS_HOST || resolve(root, "..", "shared", "functions-host", "func-host");
  const coreTools = command.split("/").pop() === "func";
  if (!coreTools && !existsSync(command)) {
    throw new Error(`${command} does not exist: set FUNCTIONS_HOST to a func-host script, or to \`func\` for Azure Functions Core Tools.`);
  }
  const state = join(root, ".func-host", `compat-${randomBytes(6).toString("hex")}`);
  mkdirSync(state, { recursive: true });
  const env = {
    ...process.env, ...settings,
    AzureWebJobsStorage: storage, PORT: String(http), FUNC_HOST_STATE: state,
    AzureFunctionsJobHost__extensions__durableTask__hubName: `compat${randomBytes(6).toString("hex")}`,
    AzureFunctionsJobHost__logging__logLevel__default: "Warning",
  };
  if (coreTools) {
    const child = spawn("setsid", [command, "start", "--port", String(http)], { cwd: functionAppDir, env, stdio: "ignore" });
    await waitFor(`${baseUrl}/api/health`, "func start", child, [], 150000);
    return { kill: () => killGroup(child.pid), log: () => "(see func output)" };
  }
  for (let attempt = 1; ; attempt++) {
    const run = spawnSync("bash", [command, "start", functionAppDir], { env, encoding: "utf8", timeout: 180000 });
    if (run.status === 0) {
      const pid = Number(readFileSync(join(state, "host.pid"), "utf8").trim());
      return { kill: () => killGroup(pid), log: () => readFileSync(join(state, "host.log"), "utf8") };
    }
    // func-host judges the new host by reading /proc/<pid>/cmdline, which can fail while it is still exec'ing:
    // it then reports an exit that the empty log contradicts, and the host runs on. End it and start again.
    killStrays(state);
    const log = existsSync(join(state, "host.log")) ? readFileSync(join(state, "host.log"), "utf8") : "";
    if (attempt >= 3 || !run.stderr.includes("exited during startup") || log.trim() !== "") {
      throw new Error(`func-host start failed (${run.status}):\n${run.stderr}`);
    }
  }
}

/** Kills every process (and its group) whose environment names this run's unique state folder. */
function killStrays(state) {
  const marker = `FUNC_HOST_STATE=${state}\0`;
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    let environ;
    try { environ = readFileSync(`/proc/${entry}/environ`, "latin1"); } catch { continue; }
    if (!environ.includes(marker)) continue;
    killGroup(Number(entry));
    try { process.kill(Number(entry), "SIGKILL"); } catch { /* gone */ }
  }
}

function killGroup(pid) {
  try { process.kill(-pid, "SIGKILL"); } catch { /* already gone */ }
}

let status = 1;
let host;
try {
  if (kind === "local-host") {
    const local = start("dotnet", [hostDll], { ASPNETCORE_URLS: baseUrl, ASPNETCORE_ENVIRONMENT: "Production", Logging__LogLevel__Default: "Warning", ...settings });
    host = { kill: () => local.child.kill("SIGTERM"), log: () => local.logs.join("") };
    await waitFor(`${baseUrl}/api/health`, "the local host", local.child, local.logs);
  } else {
    await waitFor(`http://127.0.0.1:${blob}/devstoreaccount1`, "Azurite", azurite.child, azurite.logs, 60000, true);
    host = await startFunctionsHost();
  }
  const files = readdirSync(here).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => join(here, f));
  const run = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], {
    stdio: "inherit",
    env: { ...process.env, PF_BASE_URL: baseUrl, PF_ADMIN_KEY: keys.admin, PF_READER_KEY: keys.reader, PF_WRITER_KEY: keys.writer },
  });
  status = run.status ?? 1;
  if (status !== 0) console.error(`--- ${kind} log ---\n${host.log().slice(-8000)}`);
} finally {
  host?.kill();
  azurite.child.kill("SIGTERM");
}
process.exit(status);
