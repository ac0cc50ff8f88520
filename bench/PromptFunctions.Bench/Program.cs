using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Bench;

/// <summary>
/// Fetch-by-tag benchmark of the local host, with its baselines measured in the same run:
/// cached fetch (wrk, 64 connections) against a bare endpoint serving the same bytes, and uncached fetch p50
/// (one connection, every request a cache miss) against the raw Azurite table read + blob read it needs.
/// Storage comes from PF_BENCH_STORAGE (bench/run.sh starts an in-memory Azurite). With the first argument
/// <c>client</c>, measures the .NET client's cached fetch instead (<see cref="ClientBench"/>).
/// </summary>
public static partial class Program
{
    internal const string Key = "bench-admin-key-0123456789";

    public static async Task<int> Main(string[] args)
    {
        var storage = Environment.GetEnvironmentVariable("PF_BENCH_STORAGE") ?? throw new InvalidOperationException("Set PF_BENCH_STORAGE to a storage connection string (bench/run.sh does).");
        if (args is ["client", ..])
        {
            // The .NET client's cached fetch in process; the host only answers the first, priming request.
            await using var service = await StartHostAsync(storage);
            using (var seedClient = Client(service.Address)) await SeedAsync(seedClient, "bench-client", 0);
            var status = await ClientBench.RunAsync(service.Address, Key, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5);
            // The Langfuse JS client's prompt.get against the same host, in the same run.
            return status != 0 ? status : await LangfuseBench.RunAsync(service.Address, "bench", Key, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5);
        }
        if (args is ["functions-host", ..])
            return await FunctionsHostBench.RunAsync(storage, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000);
        if (args is ["storage", ..])
            return await StorageTrafficBench.RunAsync(storage, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10);
        if (args is ["suites", ..])
            return await SuiteBench.RunAsync(storage, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20,
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200);
        if (args is ["experiments", ..])
            return await ExperimentBench.RunAsync(storage, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000,
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000);
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var uncachedSamples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 400;

        // Seed through one host, then measure on a fresh one, so nothing is in its caches that a client did not
        // fetch through it. Each prompt is a realistic production prompt of about 2 KB.
        await using (var seeder = await StartHostAsync(storage))
        {
            using var seedClient = Client(seeder.Address);
            await SeedAsync(seedClient, "bench-cached", 0);
            for (var i = 0; i < uncachedSamples * 2; i++) await SeedAsync(seedClient, $"bench-u{i}", i);
        }

        // Telemetry on, as deployed: the OpenTelemetry SDK with the shipped sampling settings, exporting over OTLP
        // to an endpoint in this process that accepts everything.
        await using var otlp = await OtlpSink.StartAsync();
        await using var host = await StartHostAsync(storage, otlp.Settings);
        using var http = Client(host.Address);
        var cachedBody = await http.GetByteArrayAsync("/api/prompts/bench-cached/tags/production");
        using var cachedResponse = await http.GetAsync("/api/prompts/bench-cached/tags/production");

        await using var bare = await StartBareAsync(cachedBody, cachedResponse);
        Console.WriteLine($"prompt document: {cachedBody.Length} bytes");

        var tagUrl = new Uri(host.Address, "/api/prompts/bench-cached/tags/production");
        var bareUrl = new Uri(bare.Address, "/bare");
        await RunWrkAsync(bareUrl, 2, 64, withKey: false); // warm-up of both servers
        await RunWrkAsync(tagUrl, 2, 64, withKey: true);
        // Alternating rounds, averaged, so that drift in the machine's load affects both series alike.
        var bareRuns = new List<WrkResult>();
        var cachedRuns = new List<WrkResult>();
        for (var round = 0; round < 3; round++)
        {
            bareRuns.Add(await RunWrkAsync(bareUrl, seconds, 64, withKey: false));
            cachedRuns.Add(await RunWrkAsync(tagUrl, seconds, 64, withKey: true));
        }
        var bareRun = Mean(bareRuns);
        var cachedRun = Mean(cachedRuns);
        Console.WriteLine($"cached/bare per round: {string.Join(", ", cachedRuns.Zip(bareRuns, (c, b) => (c.RequestsPerSecond / b.RequestsPerSecond).ToString("F2", CultureInfo.InvariantCulture)))}");

        // Uncached: each fetch is the first of its prompt, so both the tag resolution and the version document
        // miss the in-process caches. The raw floor reads other, identically shaped prompts straight from storage.
        var fetch = new List<double>(uncachedSamples);
        var raw = new List<double>(uncachedSamples);
        // The host's HttpClient instrumentation listens process-wide: without this, this client's calls (and the raw
        // floor's storage calls) would be traced as roots, and the fetches would join their traces, which a caller
        // outside the process does not cause. The host's own handling is unaffected.
        using var untraced = OpenTelemetry.SuppressInstrumentationScope.Begin();
        var tables = new TableServiceClient(storage).GetTableClient("prompts");
        var blobs = new BlobServiceClient(storage).GetBlobContainerClient("prompt-versions");
        for (var i = 0; i < uncachedSamples; i++)
        {
            // Interleaved so that both series see the same machine state over time.
            var started = Stopwatch.GetTimestamp();
            using (var response = await http.GetAsync($"/api/prompts/bench-u{i}/tags/production"))
            {
                await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"fetch failed: {response.StatusCode}");
            }
            fetch.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

            var other = $"bench-u{uncachedSamples + i}";
            started = Stopwatch.GetTimestamp();
            var row = await tables.GetEntityAsync<TableEntity>(other, "tag|production");
            var versionId = row.Value.GetString("VersionId");
            var content = await blobs.GetBlobClient(PromptReader.BlobName(other, versionId)).DownloadContentAsync();
            _ = content.Value.Content.ToArray();
            raw.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var fetchP50 = Percentile(fetch, 0.5);
        var rawP50 = Percentile(raw, 0.5);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"| measurement | value | baseline (same run) | ratio | target |");
        report.AppendLine("|---|---|---|---|---|");
        report.AppendLine(CultureInfo.InvariantCulture, $"| cached GET by tag, 64 connections, req/s (mean of 3 alternating {seconds} s rounds) | {cachedRun.RequestsPerSecond:F0} | bare endpoint, same bytes: {bareRun.RequestsPerSecond:F0} | {cachedRun.RequestsPerSecond / bareRun.RequestsPerSecond:F2}x | >= 0.8x |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| cached GET by tag, p50 / p99 | {cachedRun.P50Ms:F2} ms / {cachedRun.P99Ms:F2} ms | bare: {bareRun.P50Ms:F2} ms / {bareRun.P99Ms:F2} ms | | |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| uncached GET by tag, 1 connection, p50 | {fetchP50:F3} ms | table read + blob read: {rawP50:F3} ms | {fetchP50 / rawP50:F2}x | <= 1.3x |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| uncached GET by tag, p99 | {Percentile(fetch, 0.99):F3} ms | raw p99: {Percentile(raw, 0.99):F3} ms | | |");
        // The SDK exports metrics periodically; flush so the sink has seen what this run produced.
        OpenTelemetry.Trace.TracerProviderExtensions.ForceFlush(host.Services.GetRequiredService<OpenTelemetry.Trace.TracerProvider>());
        OpenTelemetry.Metrics.MeterProviderExtensions.ForceFlush(host.Services.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>());
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Telemetry on: OTLP/HTTP exports received by the in-process sink: {otlp.Requests} requests, {otlp.Bytes / 1024.0:F0} KiB ({otlp.BySignal}).");
        Console.WriteLine();
        Console.WriteLine(report.ToString());
        var resultsDir = Path.Combine(AppContext.BaseDirectory, "results");
        Directory.CreateDirectory(resultsDir);
        await File.WriteAllTextAsync(Path.Combine(resultsDir, "fetch.md"), report.ToString());
        return 0;
    }

    internal static HttpClient Client(Uri address)
    {
        var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return http;
    }

    internal sealed class RunningApp(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;
        public IServiceProvider Services => app.Services;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    internal static async Task<RunningApp> StartHostAsync(string storage, IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var app = LocalHost.Program.CreateApp(["--environment", "Production"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Storage"] = storage,
                ["Auth:Keys:0:Name"] = "bench",
                ["Auth:Keys:0:Secret"] = Key,
                ["Auth:Keys:0:Roles:0"] = "admin",
                // Long enough that the cached series never expires mid-run; the uncached series uses new prompts.
                ["PromptHub:TagResolutionCacheSeconds"] = "3600",
            });
            if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
            services?.Invoke(builder.Services);
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        });
        await app.StartAsync();
        return new RunningApp(app, AddressOf(app));
    }

    /// <summary>The baseline: Kestrel and minimal API writing the same bytes and headers from memory.</summary>
    internal static async Task<RunningApp> StartBareAsync(byte[] body, HttpResponseMessage template)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var etag = template.Headers.ETag!.ToString();
        var cacheControl = template.Headers.CacheControl!.ToString();
        var contentType = template.Content.Headers.ContentType!.ToString();
        app.MapGet("/bare", async context =>
        {
            context.Response.Headers.ETag = etag;
            context.Response.Headers.CacheControl = cacheControl;
            context.Response.Headers.Vary = "Authorization, x-api-key";
            context.Response.ContentType = contentType;
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        return new RunningApp(app, AddressOf(app));
    }

    private static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    internal static async Task SeedAsync(HttpClient http, string prompt, int variant)
    {
        var system = string.Join(' ', Enumerable.Repeat("You are a careful support assistant for {{product}}. Answer in {{language}}, cite the knowledge base, never invent policy.", 8));
        var body = new JsonObject
        {
            ["version"] = new JsonObject
            {
                ["template"] = new JsonArray(
                    new JsonObject { ["role"] = "system", ["content"] = $"{system} (variant {variant})" },
                    new JsonObject { ["role"] = "user", ["content"] = "How do I reset my password?" },
                    new JsonObject { ["role"] = "assistant", ["content"] = "Open Settings, choose Security, then Reset password." },
                    new JsonObject { ["role"] = "user", ["content"] = "{{question}}" }),
                ["model"] = new JsonObject { ["provider"] = "openai", ["name"] = "gpt-4o-mini" },
                ["invocation_parameters"] = new JsonObject { ["temperature"] = 0.2, ["max_tokens"] = 400, ["seed"] = 7 },
                ["tools"] = JsonNode.Parse("""{"tools":[{"type":"function","function":{"name":"search_kb","description":"Search the knowledge base","parameters":{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}}}],"tool_choice":"auto"}"""),
            },
            ["tags"] = new JsonArray("production"),
        };
        using var response = await http.PostAsync($"/api/prompts/{prompt}/versions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"seeding {prompt} failed: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    internal sealed record WrkResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Non2xx, long Requests = 0);

    internal static async Task<WrkResult> RunWrkAsync(Uri url, int seconds, int connections, bool withKey, string? script = null)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency" }) start.ArgumentList.Add(arg);
        if (script is not null)
        {
            start.ArgumentList.Add("-s");
            start.ArgumentList.Add(script);
        }
        if (withKey)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add($"Authorization: Bearer {Key}");
        }
        start.ArgumentList.Add(url.ToString());
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start; install it (apt-get install wrk).");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"wrk failed: {await process.StandardError.ReadToEndAsync()}");
        var rps = double.Parse(RequestsPerSecondPattern().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var non2xx = NonSuccessPattern().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        if (non2xx > 0) throw new InvalidOperationException($"{non2xx} responses were not 2xx:\n{output}");
        var requests = long.Parse(TotalRequestsPattern().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        return new WrkResult(rps, LatencyMs(output, "50%"), LatencyMs(output, "99%"), non2xx, requests);
    }

    private static WrkResult Mean(List<WrkResult> runs) => new(
        runs.Average(r => r.RequestsPerSecond), runs.Average(r => r.P50Ms), runs.Average(r => r.P99Ms), runs.Sum(r => r.Non2xx));

    private static double LatencyMs(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecondPattern();

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex TotalRequestsPattern();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessPattern();

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }
}
