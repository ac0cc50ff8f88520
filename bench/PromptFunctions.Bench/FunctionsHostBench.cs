using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.StubModel;

namespace PromptFunctions.Bench;

/// <summary>
/// Experiment wall-clock on the Functions app inside the real Azure Functions host (func-host, or FUNCTIONS_HOST),
/// Durable Functions over Azurite, against the stub model at 200 ms: the first experiment after the host starts
/// (what a nightly run on a serverless host always is), then a second one, each against the ideal
/// rows x 200 ms / concurrency. The host's settings are the repository's host.json.
/// </summary>
public static class FunctionsHostBench
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(200);
    private const int Concurrency = 50;

    public static async Task<int> RunAsync(string storage, int rows)
    {
        var root = RepoRoot();
        var app = Environment.GetEnvironmentVariable("PF_BENCH_APP") ?? Path.Combine(root, "functions", "PromptFunctions.FunctionApp", "bin", "Release", "net10.0");
        var command = Environment.GetEnvironmentVariable("FUNCTIONS_HOST") is { Length: > 0 } configured
            ? configured : Path.GetFullPath(Path.Combine(root, "..", "shared", "functions-host", "func-host"));
        if (!File.Exists(command)) throw new InvalidOperationException($"no Functions host at {command}; set FUNCTIONS_HOST to a func-host script");

        var answered = new System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset At, int Row)>();
        await using var model = await StubModelServer.StartAsync(ColdStartBench.Recording(answered), Latency);
        var port = FreePort();
        var state = Path.Combine(root, ".func-host", "bench");
        var start = new ProcessStartInfo("bash") { ArgumentList = { command, "start", app }, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["FUNC_HOST_STATE"] = state,
            ["AzureWebJobsStorage"] = storage,
            ["ConnectionStrings__Storage"] = storage,
            ["AzureFunctionsJobHost__extensions__durableTask__hubName"] = "bench" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            ["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning",
            ["Auth__Keys__0__Name"] = "bench",
            ["Auth__Keys__0__Secret"] = Program.Key,
            ["Auth__Keys__0__Roles__0"] = "admin",
            ["Models__stub__Provider"] = "openai-compatible",
            ["Models__stub__Endpoint"] = model.Endpoint.ToString(),
            ["Models__stub__Model"] = "stub-model",
        })
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            using var starting = Process.Start(start)!;
            var stderr = starting.StandardError.ReadToEndAsync();
            await starting.StandardOutput.ReadToEndAsync();
            await starting.WaitForExitAsync();
            if (starting.ExitCode == 0) break;
            var error = await stderr;
            // func-host reads /proc/<pid>/cmdline right after starting the host and can report an exit while the host
            // is still exec'ing (the test driver retries the same way); end the host it left running and start again.
            StopLeftover(state);
            if (attempt == 3 || !error.Contains("exited during startup", StringComparison.Ordinal))
                throw new InvalidOperationException($"func-host start failed: {error}");
            clock.Restart();
        }
        var hostStart = clock.Elapsed;
        var pid = int.Parse(File.ReadAllText(Path.Combine(state, "host.pid")).Trim(), CultureInfo.InvariantCulture);
        try
        {
            using var http = Program.Client(new Uri($"http://127.0.0.1:{port}"));
            await ExperimentBench.Post(http, "/api/prompts/bench-exp/versions", new JsonObject
            {
                ["version"] = new JsonObject
                {
                    ["template"] = new JsonArray(
                        new JsonObject { ["role"] = "system", ["content"] = "Answer with the number only." },
                        new JsonObject { ["role"] = "user", ["content"] = "echo: {{n}}" }),
                },
            });
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"Functions host started in {hostStart.TotalSeconds:F1} s (func-host start, until the functions run).");
            report.AppendLine();
            report.AppendLine("| run | rows | concurrency | wall-clock | ideal (rows x 200 ms / concurrency) | ratio |");
            report.AppendLine("|---|---|---|---|---|---|");
            foreach (var label in new[] { "first after start", "second" })
            {
                var before = model.Calls;
                var dataset = $"bench-{(label == "second" ? "second" : "first")}";
                await ExperimentBench.UploadAsync(http, dataset, rows);
                answered.Clear();
                var started = DateTimeOffset.UtcNow;
                var wall = await ExperimentBench.RunExperimentAsync(http, dataset, Concurrency);
                Console.WriteLine($"  {label}: {ColdStartBench.Timeline(answered, started, DateTimeOffset.UtcNow, rows)}");
                if (model.Calls - before != rows) throw new InvalidOperationException($"expected {rows} model calls, saw {model.Calls - before}");
                var ideal = TimeSpan.FromMilliseconds(rows * Latency.TotalMilliseconds / Concurrency);
                report.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {rows:N0} | {Concurrency} | {wall.TotalSeconds:F2} s | {ideal.TotalSeconds:F2} s | {wall / ideal:F2}x |");
            }
            Console.WriteLine();
            Console.WriteLine(report.ToString());
            return 0;
        }
        finally
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-KILL", "--", $"-{pid}" } });
            kill?.WaitForExit();
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PromptFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException("no PromptFunctions.sln above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void StopLeftover(string state)
    {
        var pidFile = Path.Combine(state, "host.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return;
        try
        {
            using var leftover = Process.GetProcessById(pid);
            leftover.Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }
}
