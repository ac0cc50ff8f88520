using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Client;

namespace PromptFunctions.Bench;

/// <summary>
/// The .NET client's cached fetch in process: <c>GetPromptAsync</c> by tag with the answer fresh in its cache (no
/// request), against the floor of a <see cref="ConcurrentDictionary{TKey, TValue}"/> lookup of the same object,
/// in alternating rounds on one thread and on every core.
/// </summary>
public static class ClientBench
{
    private const string Prompt = "bench-client";
    private const int Batch = 1024;

    public static async Task<int> RunAsync(Uri service, string key, int seconds)
    {
        var requests = 0;
        var services = new ServiceCollection();
        services.AddPromptFunctionsClient(options =>
            {
                options.BaseUrl = service;
                options.ApiKey = key;
                options.CacheTtl = TimeSpan.FromHours(1); // every measured call is a fresh hit
            })
            .AddHttpMessageHandler(() => new CountingHandler(() => Interlocked.Increment(ref requests)));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IPromptFunctionsClient>();
        var version = await client.GetPromptAsync(Prompt, PromptReference.Production);
        var baseline = new ConcurrentDictionary<(string Name, string Tag), PromptVersion>();
        baseline[(Prompt, "production")] = version;
        var requestsBefore = requests;

        async Task<long> Sdk(CancellationToken stop)
        {
            long count = 0;
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < Batch; i++)
                {
                    var fetched = await client.GetPromptAsync(Prompt, PromptReference.Production);
                    if (!ReferenceEquals(fetched, version)) throw new InvalidOperationException("the cache served another object");
                }
                count += Batch;
            }
            return count;
        }

        Task<long> Dictionary(CancellationToken stop)
        {
            long count = 0;
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < Batch; i++)
                {
                    if (!baseline.TryGetValue((Prompt, "production"), out var fetched) || !ReferenceEquals(fetched, version))
                        throw new InvalidOperationException("the dictionary lost the object");
                }
                count += Batch;
            }
            return Task.FromResult(count);
        }

        // Allocation per call, measured on one thread outside the timed rounds.
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++) await client.GetPromptAsync(Prompt, PromptReference.Production);
        var bytesPerCall = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 100_000.0;

        await MeasureAsync(Sdk, 1, 1); // warm-up
        await MeasureAsync(Dictionary, 1, 1);
        var threads = Environment.ProcessorCount;
        var rows = new List<string>();
        foreach (var threadCount in new[] { 1, threads })
        {
            var sdkRuns = new List<double>();
            var floorRuns = new List<double>();
            for (var round = 0; round < 3; round++)
            {
                floorRuns.Add(await MeasureAsync(Dictionary, threadCount, seconds));
                sdkRuns.Add(await MeasureAsync(Sdk, threadCount, seconds));
            }
            var sdk = sdkRuns.Average();
            var floor = floorRuns.Average();
            Console.WriteLine($"{threadCount} thread(s), SDK/dictionary per round: {string.Join(", ", sdkRuns.Zip(floorRuns, (s, f) => (s / f).ToString("F2", CultureInfo.InvariantCulture)))}");
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| cached GetPromptAsync by tag, {threadCount} thread(s), calls/s (mean of 3 alternating {seconds} s rounds) | {sdk:N0} ({1e9 / (sdk / threadCount):F1} ns/call) | ConcurrentDictionary lookup of the same object: {floor:N0} ({1e9 / (floor / threadCount):F1} ns/call) | {sdk / floor:F2}x |"));
        }

        var report = new StringBuilder();
        report.AppendLine("| measurement | value | baseline (same run) | ratio |");
        report.AppendLine("|---|---|---|---|");
        foreach (var row in rows) report.AppendLine(row);
        report.AppendLine(CultureInfo.InvariantCulture, $"| allocated per cached call | {bytesPerCall:F1} bytes | | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| HTTP requests during the measured calls | {requests - requestsBefore} | | |");
        Console.WriteLine();
        Console.WriteLine(report.ToString());
        var resultsDir = Path.Combine(AppContext.BaseDirectory, "results");
        Directory.CreateDirectory(resultsDir);
        await File.WriteAllTextAsync(Path.Combine(resultsDir, "client.md"), report.ToString());
        return requests == requestsBefore ? 0 : 1;
    }

    /// <summary>Calls per second summed over <paramref name="threads"/> dedicated threads running for <paramref name="seconds"/>.</summary>
    private static async Task<double> MeasureAsync(Func<CancellationToken, Task<long>> loop, int threads, int seconds)
    {
        using var stop = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, threads)
            .Select(_ => Task.Factory.StartNew(() => loop(stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap())
            .ToArray();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        stop.Cancel();
        var counts = await Task.WhenAll(workers);
        return counts.Sum() / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private sealed class CountingHandler(Action onRequest) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onRequest();
            return base.SendAsync(request, cancellationToken);
        }
    }
}
