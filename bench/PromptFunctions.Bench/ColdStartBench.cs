using System.Diagnostics;
using System.Globalization;
using System.Text;
using PromptFunctions.StubModel;

namespace PromptFunctions.Bench;

/// <summary>
/// The first experiment after the local host starts, as a nightly run on a freshly started host sees it: the
/// prompt and the dataset are already stored (seeded here by a host that is then stopped), and each sample is a new
/// process that starts the local host and, as its very first request, starts one experiment (rows at
/// max_concurrency 50 against the stub with 200 ms latency; ideal rows x 200 ms / 50). The same process then runs
/// the same experiment twice more, for the warm ratio of the same run. The stub runs in this (parent) process, so
/// the child's start-up cost is only the host's.
/// </summary>
public static class ColdStartBench
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(200);
    private const int Concurrency = 50;
    private const string Dataset = "bench-cold";

    public static async Task<int> RunAsync(string storage, int rows, int samples)
    {
        await using (var seeder = await Program.StartHostAsync(storage))
        {
            using var http = Program.Client(seeder.Address);
            await ExperimentBench.SeedPromptAsync(http);
            await ExperimentBench.UploadAsync(http, Dataset, rows);
        }
        var answered = new System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset At, int Row)>();
        await using var model = await StubModelServer.StartAsync(Recording(answered), Latency);
        var ideal = TimeSpan.FromMilliseconds(rows * Latency.TotalMilliseconds / Concurrency);
        var report = new StringBuilder();
        report.AppendLine("| sample | host start | first run | first ratio | first run CPU | second | third | load average (1 min) |");
        report.AppendLine("|---|---|---|---|---|---|---|---|");
        var firsts = new List<double>();
        for (var sample = 1; sample <= samples; sample++)
        {
            var before = model.Calls;
            var load = ThroughputBench.LoadAverage();
            answered.Clear();
            var line = await RunChildAsync(model.Endpoint, rows, answered);
            if (model.Calls - before != rows * 3) throw new InvalidOperationException($"expected {rows * 3} model calls, saw {model.Calls - before}");
            var f = line.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            firsts.Add(f[1] / ideal.TotalMilliseconds);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {sample} | {f[0]:F0} ms | {f[1] / 1000:F2} s | **{f[1] / ideal.TotalMilliseconds:F2}x** | {f[2]:F0} ms | {f[3] / ideal.TotalMilliseconds:F2}x | {f[4] / ideal.TotalMilliseconds:F2}x | {load} |");
        }
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Ideal {ideal.TotalSeconds:F2} s ({rows:N0} rows x 200 ms / {Concurrency}); first-run ratio median {firsts.Order().ElementAt(firsts.Count / 2):F2}x (target <= 1.15x).");
        Console.WriteLine();
        Console.WriteLine(report.ToString());
        return 0;
    }

    private static async Task<string> RunChildAsync(Uri stub, int rows, IReadOnlyCollection<(DateTimeOffset At, int Row)> answered)
    {
        // With dotnet-trace on the PATH, the child's thread-time samples as a speedscope file: what each thread did when.
        var traced = Environment.GetEnvironmentVariable("PF_BENCH_TRACE");
        var start = new ProcessStartInfo(traced is null ? "dotnet" : "dotnet-trace") { RedirectStandardOutput = true, RedirectStandardError = false };
        if (traced is not null)
            foreach (var a in new[] { "collect", "--show-child-io", "--profile", "dotnet-sampled-thread-time,dotnet-common", "--format", "Speedscope", "-o", traced, "--", "dotnet" }) start.ArgumentList.Add(a);
        start.ArgumentList.Add(typeof(ColdStartBench).Assembly.Location);
        start.ArgumentList.Add("cold-run");
        start.ArgumentList.Add(stub.ToString());
        start.ArgumentList.Add(rows.ToString(CultureInfo.InvariantCulture));
        // Every method the child compiles, in order, with its tier: what lies between FirstRunStarts and FirstRunEnded is
        // what the first experiment compiled, i.e. what the warm-up did not reach.
        if (Environment.GetEnvironmentVariable("PF_BENCH_JIT_LOG") is { } jitLog)
        {
            start.Environment["DOTNET_JitStdOutFile"] = jitLog;
            start.Environment["DOTNET_JitDisasmSummary"] = "1";
        }
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the child process");
        var output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        if (child.ExitCode != 0) throw new InvalidOperationException($"child failed ({child.ExitCode}): {output}");
        foreach (var line in output.Split('\n').Where(l => l.Contains(" queued ", StringComparison.Ordinal) || l.StartsWith("JIT: ", StringComparison.Ordinal))) Console.WriteLine("  child: " + line);
        foreach (var run in output.Split('\n').Where(l => l.StartsWith("RUN ", StringComparison.Ordinal)))
        {
            var f = run.Split(' ');
            Console.WriteLine("  " + f[1] + ": " + Timeline(answered, DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(f[2], CultureInfo.InvariantCulture)),
                DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(f[3], CultureInfo.InvariantCulture)), rows));
        }
        return output.Split('\n').Single(l => l.StartsWith("COLD ", StringComparison.Ordinal))["COLD ".Length..].Trim();
    }

    /// <summary>The stub's default answers, each one's time and row (the bench prompt's "echo: {{n}}") recorded for <see cref="Timeline"/>.</summary>
    internal static Func<StubRequest, StubReply> Recording(System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset At, int Row)> answered) => request =>
    {
        answered.Enqueue((DateTimeOffset.UtcNow, int.Parse(request.LastUserText["echo: ".Length..], CultureInfo.InvariantCulture)));
        return StubModelServer.DefaultResponder(request);
    };

    /// <summary>
    /// One run cut into phases from the stub's side, in ms from the start request: the first call's arrival (answer
    /// minus latency), then per batch of the plan the first arrival and the last answer, and the last answer to the
    /// poll that saw completed. Comparing a first run's line with a warm run's says which phase the cold cost is in.
    /// </summary>
    internal static string Timeline(IEnumerable<(DateTimeOffset At, int Row)> answered, DateTimeOffset start, DateTimeOffset end, int rows)
    {
        var calls = answered.Where(a => a.At >= start && a.At <= end).ToList();
        if (calls.Count == 0) return "no calls";
        var plan = PromptFunctions.Core.Experiments.ExperimentPlan.For("timeline", rows, Concurrency);
        double Ms(DateTimeOffset t) => (t - start).TotalMilliseconds;
        var parts = new List<string> { string.Create(CultureInfo.InvariantCulture, $"first call {Ms(calls.Min(c => c.At)) - Latency.TotalMilliseconds:F0}") };
        foreach (var batch in calls.GroupBy(c => c.Row / plan.BatchSize).OrderBy(g => g.Key))
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"b{batch.Key} {Ms(batch.Min(c => c.At)) - Latency.TotalMilliseconds:F0}-{Ms(batch.Max(c => c.At)):F0}"));
        parts.Add(string.Create(CultureInfo.InvariantCulture, $"last answer to completed {(end - calls.Max(c => c.At)).TotalMilliseconds:F0} (total {(end - start).TotalMilliseconds:F0})"));
        return string.Join(", ", parts);
    }

    /// <summary>The child: starts the host, runs the experiment three times, prints "COLD start first cpu second third" in ms.</summary>
    public static async Task<int> RunChildAsync(string storage, Uri stub, int rows)
    {
        var processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        await using var host = await Program.StartHostAsync(storage, new Dictionary<string, string?>
        {
            ["Models:stub:Provider"] = "openai-compatible",
            ["Models:stub:Endpoint"] = stub.ToString(),
            ["Models:stub:Model"] = "stub-model",
        });
        var hostStart = DateTime.UtcNow - processStart;
        using var http = Program.Client(host.Address);
        var (m0, t0) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        FirstRunStarts();
        var firstStart = DateTimeOffset.UtcNow;
        var (first, cpu, _) = await ThroughputBench.Measure(() => ExperimentBench.RunExperimentAsync(http, Dataset, Concurrency));
        Window("first", firstStart);
        FirstRunEnded();
        var (m1, t1) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        var secondStart = DateTimeOffset.UtcNow;
        var second = await ExperimentBench.RunExperimentAsync(http, Dataset, Concurrency);
        Window("second", secondStart);
        var (m2, t2) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        // Methods compiled (tier 0 and the tier-1 rejits) and the time spent compiling them, per phase: whether what the
        // first run pays more than the second is JIT.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"JIT: before the first run {m0} methods in {t0.TotalMilliseconds:F0} ms; first run {m1 - m0} in {(t1 - t0).TotalMilliseconds:F0} ms; second run {m2 - m1} in {(t2 - t1).TotalMilliseconds:F0} ms"));
        var thirdStart = DateTimeOffset.UtcNow;
        var third = await ExperimentBench.RunExperimentAsync(http, Dataset, Concurrency);
        Window("third", thirdStart);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"COLD {hostStart.TotalMilliseconds:F0} {first.TotalMilliseconds:F0} {cpu.TotalMilliseconds:F0} {second.TotalMilliseconds:F0} {third.TotalMilliseconds:F0}"));
        return 0;
    }

    // Markers in the JIT log (PF_BENCH_JIT_LOG): each is compiled when first called.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void FirstRunStarts() { }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void FirstRunEnded() { }

    private static void Window(string run, DateTimeOffset started) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RUN {run} {started.ToUnixTimeMilliseconds()} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}"));
}
