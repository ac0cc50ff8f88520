using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Bench;

/// <summary>
/// What one local-host instance holds for cached fetches with the shipped cache settings, and how many storage
/// requests it sends per 1,000 fetches: a counting pipeline policy on the host's own storage clients sees every
/// table and blob request. Scenarios: one hot prompt by tag, 100 and 1,000 prompts by tag in rotation, one prompt
/// by version id; the bare endpoint writing the same bytes is the same-run baseline.
/// </summary>
internal static class StorageTrafficBench
{
    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        public readonly ConcurrentDictionary<int, long> ByPort = new();
        public override void OnSendingRequest(HttpMessage message) => ByPort.AddOrUpdate(message.Request.Uri.Port, 1, (_, n) => n + 1);
        public void Reset() => ByPort.Clear();
        public long Count(int port) => ByPort.TryGetValue(port, out var n) ? n : 0;
    }

    private sealed record Scenario(string Name, string Path, string? Script);

    public static async Task<int> RunAsync(string storage, int seconds)
    {
        const int manyPrompts = 1000;
        await using (var seeder = await Program.StartHostAsync(storage))
        {
            using var http = Program.Client(seeder.Address);
            Console.WriteLine($"seeding {manyPrompts} prompts...");
            await Parallel.ForEachAsync(Enumerable.Range(0, manyPrompts), new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (i, _) => await Program.SeedAsync(http, $"bench-hot-{i}", i));
        }

        // A fresh host with the shipped cache settings (no overrides), so the counts are what a deployment sees.
        var counter = new CountingPolicy();
        var shipped = new PromptFunctions.Core.Prompts.PromptHubOptions().TagResolutionCacheSeconds.ToString(CultureInfo.InvariantCulture);
        await using var host = await Program.StartHostAsync(storage, new Dictionary<string, string?> { ["PromptHub:TagResolutionCacheSeconds"] = shipped },
            services => services.AddSingleton(new StoragePipelinePolicy(counter)));
        var clients = host.Services.GetRequiredService<StorageClients>();
        var tablePort = clients.TableService.Uri.Port;
        var blobPort = clients.BlobService.Uri.Port;
        var ttl = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PromptFunctions.Core.Prompts.PromptHubOptions>>().Value.TagResolutionCacheSeconds;

        using var client = Program.Client(host.Address);
        using var first = await client.GetAsync("/api/prompts/bench-hot-0/tags/production");
        var body = await first.Content.ReadAsByteArrayAsync();
        // The entity tag is "{id}.{sequence}".
        var versionId = first.Headers.ETag!.Tag.Trim('"').Split('.')[0];
        await using var bare = await Program.StartBareAsync(body, first);

        var scripts = Path.Combine(Path.GetTempPath(), $"pf-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(scripts);
        var scenarios = new List<Scenario>
        {
            new("one prompt by tag", "/api/prompts/bench-hot-0/tags/production", null),
            new("100 prompts by tag, in rotation", "/", RotationScript(scripts, 100)),
            new($"{manyPrompts:N0} prompts by tag, in rotation", "/", RotationScript(scripts, manyPrompts)),
            new("one prompt by version id", $"/api/prompts/bench-hot-0/versions/{versionId}", null),
        };

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Tag resolution cache: {ttl} s (shipped default); wrk -t2 -c64, {seconds} s per scenario after a 3 s warm-up.");
        report.AppendLine();
        report.AppendLine("| scenario | req/s | vs bare | p99 | fetches | table requests | blob requests | storage requests per 1,000 fetches |");
        report.AppendLine("|---|---|---|---|---|---|---|---|");
        var bareRun = await Program.RunWrkAsync(new Uri(bare.Address, "/bare"), seconds, 64, withKey: false);
        report.AppendLine(CultureInfo.InvariantCulture, $"| bare endpoint, same bytes | {bareRun.RequestsPerSecond:F0} | 1.00x | {bareRun.P99Ms:F2} ms | {bareRun.Requests:N0} | | | |");
        foreach (var scenario in scenarios)
        {
            var url = new Uri(host.Address, scenario.Path);
            await Program.RunWrkAsync(url, 3, 64, withKey: true, scenario.Script);
            counter.Reset();
            var run = await Program.RunWrkAsync(url, seconds, 64, withKey: true, scenario.Script);
            long tables = counter.Count(tablePort), blobs = counter.Count(blobPort);
            var perThousand = (tables + blobs) * 1000.0 / run.Requests;
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {scenario.Name} | {run.RequestsPerSecond:F0} | {run.RequestsPerSecond / bareRun.RequestsPerSecond:F2}x | {run.P99Ms:F2} ms | {run.Requests:N0} | {tables:N0} | {blobs:N0} | {perThousand:F3} |");
        }

        // The same 1,000-prompt rotation on a host that trusts a tag resolution for 30 s, after one fetch of each.
        const double longTtl = 30;
        await using (var patient = await Program.StartHostAsync(storage, new Dictionary<string, string?> { ["PromptHub:TagResolutionCacheSeconds"] = longTtl.ToString(CultureInfo.InvariantCulture) },
            services => services.AddSingleton(new StoragePipelinePolicy(counter))))
        {
            using var warm = Program.Client(patient.Address);
            for (var i = 0; i < manyPrompts; i++) (await warm.GetAsync($"/api/prompts/bench-hot-{i}/tags/production")).Dispose();
            counter.Reset();
            var run = await Program.RunWrkAsync(patient.Address, seconds, 64, withKey: true, RotationScript(scripts, manyPrompts));
            long tables = counter.Count(tablePort), blobs = counter.Count(blobPort);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {manyPrompts:N0} prompts by tag, in rotation, cache {longTtl} s | {run.RequestsPerSecond:F0} | {run.RequestsPerSecond / bareRun.RequestsPerSecond:F2}x | {run.P99Ms:F2} ms | {run.Requests:N0} | {tables:N0} | {blobs:N0} | {(tables + blobs) * 1000.0 / run.Requests:F3} |");
        }
        Directory.Delete(scripts, recursive: true);

        Console.WriteLine();
        Console.WriteLine(report.ToString());
        var resultsDir = Path.Combine(AppContext.BaseDirectory, "results");
        Directory.CreateDirectory(resultsDir);
        await File.WriteAllTextAsync(Path.Combine(resultsDir, "storage-traffic.md"), report.ToString());
        return 0;
    }

    /// <summary>A wrk script that walks prompts bench-hot-0 .. n-1 in turn, each by its production tag.</summary>
    private static string RotationScript(string folder, int prompts)
    {
        var path = Path.Combine(folder, $"rotate-{prompts}.lua");
        File.WriteAllText(path, $$"""
            counter = 0
            request = function()
              counter = counter + 1
              return wrk.format("GET", "/api/prompts/bench-hot-" .. (counter % {{prompts}}) .. "/tags/production", { ["Authorization"] = "Bearer {{Program.Key}}" })
            end
            """);
        return path;
    }
}
