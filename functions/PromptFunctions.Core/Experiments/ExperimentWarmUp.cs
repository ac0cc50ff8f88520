using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Prompts.Chat;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Core.Experiments;

/// <summary>What a warm-up exercised: the stored prompt and dataset it read (null on an empty hub) and the canned model responses its connections received.</summary>
public sealed record ExperimentWarmUpResult(string? Prompt, string? Dataset, int CannedModelResponses);

/// <summary>
/// Runs what starting an experiment and running its rows do, once, at host start, without calling a model or leaving
/// anything stored, so the first experiment after a start does not pay for it. Each storage call's first use costs
/// tens of milliseconds (the SDK's entity binding, the JIT of its path), each successful one differently from a miss, so
/// the warm-up makes the same calls with the same outcomes: it reads the first stored prompt and dataset as a start
/// request would (read-only), and creates, moves, reads and deletes a record with its row and batch under an id no
/// experiment will have (a random one of its own per warm-up, see <see cref="NewWarmUpId"/>). For every
/// configured model connection the engine's row code runs a few rows at once through the connection's whole client
/// stack (provider client, sockets, connection pool) against a loopback endpoint in this process that answers a canned
/// completion (<see cref="CannedCompletionServer"/>). On a 2-core machine these first uses were most of the first
/// experiment's extra time.
/// </summary>
public sealed class ExperimentWarmUp(
    ExperimentStore store,
    PromptReader prompts,
    DatasetStore datasets,
    ModelConnections connections,
    ExperimentEngine engine,
    IExperimentExamples examples,
    ExperimentRequestReader reader,
    IOptions<PromptHubOptions> hub,
    ILogger<ExperimentWarmUp> logger)
{
    /// <summary>Requests each connection sends at once: enough to open several connections and meet its first contention.</summary>
    public const int ConcurrentModelRequests = 8;

    private const string Evaluators = """[{"type":"exact_match"}]""";

    /// <summary>
    /// A fresh random id per warm-up, with the GUID version digit 0: started experiments take version-7 GUIDs and suite
    /// runs' experiments hashes, so meeting one takes a 124-bit coincidence. Fresh, so two hosts warming up on one
    /// storage account, or a warm-up after one that crashed half-way, never meet each other's entities.
    /// </summary>
    private static string NewWarmUpId()
    {
        var id = Guid.NewGuid().ToString("N").ToCharArray();
        id[12] = '0';
        return new string(id);
    }

    /// <summary>Never throws: a failed warm-up only means the first run pays for what it did not warm (and returns null).</summary>
    public async Task<ExperimentWarmUpResult?> WarmAsync(CancellationToken cancellationToken)
    {
        try
        {
            var content = PromptVersionJson.Parse(JsonNode.Parse("""{"template":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"{{question}}"}]}"""));
            var input = new JsonObject { ["question"] = "1" };
            var rendered = PromptRenderer.Render(content, input, hub.Value.RenderLimits);
            var messages = PromptChat.ToChatMessages(content, rendered, input);
            var options = PromptChat.ToChatOptions(content);
            var example = new ExperimentExample("warm-up", 0, input, JsonValue.Create("1"), null);
            // The rows run against the canned endpoint render and score for real; this one only has to be stored.
            var row = new ExperimentRowResult(example.Id, 0, 0, "1", "[]", 1, 1, 1, 0, null);
            _ = ExperimentAggregation.Aggregate([row]).ToJsonString();

            var record = new ExperimentRecord(NewWarmUpId(), null, null, null, "warm-up", "warm-up", 1, null, null, "warm-up", "warm-up", null,
                1, 1, "warm-up", "warm-up", "{}", "[]", "fresh", 1, ExperimentStatus.Queued, DateTimeOffset.UnixEpoch, "warm-up", null, null, null, null, null);
            // Started together and all awaited, so none of them runs on after the warm-up returns.
            var models = WarmConnectionsAsync(content, example, messages, options, cancellationToken);
            var request = WarmRequestAsync(content, record, cancellationToken);
            await Task.WhenAll(request, store.ExerciseAsync(record, row, cancellationToken), models);
            var (prompt, dataset) = await request;
            return new ExperimentWarmUpResult(prompt, dataset, await models);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "The experiment warm-up failed; the first experiment will be slower");
            return null;
        }
    }

    /// <summary>
    /// What a start request and a batch read: the first stored prompt (its latest version and document) and the first
    /// stored dataset (its latest version and first example), or, on an empty hub, the misses; the model and evaluator
    /// specs; the response.
    /// </summary>
    private async Task<(string? Prompt, string? Dataset)> WarmRequestAsync(PromptVersionContent content, ExperimentRecord record, CancellationToken cancellationToken)
    {
        const string Missing = "pf-warm-up-missing";
        var cursor = new ValidatingJsonReader();
        var prompt = (await prompts.ListPromptsAsync(1, null, cancellationToken)).Items.FirstOrDefault()?.Name;
        await reader.ReadPromptAsync(new JsonObject { ["name"] = prompt ?? Missing }, "$.prompt", cursor, cancellationToken);
        var dataset = (await datasets.ListDatasetsAsync(1, null, cancellationToken)).Items.FirstOrDefault()?.Name;
        if (await examples.ResolveAsync(dataset ?? Missing, null, null, cancellationToken) is { Count: > 0 } selection)
            await examples.ReadAsync(selection, 0, 1, cancellationToken);
        if (connections.Names.FirstOrDefault() is { } connection)
            reader.ReadModel(new JsonObject { ["connection"] = connection }, "$.model", content, cursor);
        reader.ReadEvaluators(JsonNode.Parse(Evaluators), "$.evaluators", cursor);
        _ = PromptFunctions.Contracts.ContractsJson.Serialize(ExperimentsApi.Describe(record, 0, 0));
        _ = ExperimentPlan.For(record.Id, 1000, 50);
        return (prompt, dataset);
    }

    /// <returns>The canned responses the connections received.</returns>
    private async Task<int> WarmConnectionsAsync(PromptVersionContent content, ExperimentExample example, IList<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        if (connections.Names.Count == 0) return 0;
        // Loopback calls at start are not traffic anyone should see in traces or HTTP metrics.
        using var quiet = OpenTelemetry.SuppressInstrumentationScope.Begin();
        await using var canned = new CannedCompletionServer();
        // The same socket handler a connection uses, without a proxy: a proxy from the environment would see the calls.
        using var transport = new SocketsHttpHandler { UseProxy = false };
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(10));
        await Task.WhenAll(connections.Names.Select(name => WarmConnectionAsync(name, canned.Endpoint, transport, content, example, messages, options, bounded.Token)));
        return canned.Answered;
    }

    /// <summary>
    /// The connection's request capture, then the engine's own row code (render, the response cache, the connection's
    /// whole client stack, scoring) for a few rows at once, the way a batch runs them, with the connection pointed at
    /// the canned endpoint.
    /// </summary>
    private async Task WarmConnectionAsync(string name, Uri endpoint, HttpMessageHandler transport, PromptVersionContent content, ExperimentExample example,
        IList<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        var client = connections.GetChatClient(name);
        if (client.GetService<ModelRequestCapture>() is { } capture)
            await capture.CaptureAsync(messages.ToList(), options, cancellationToken);
        // Ollama speaks its own protocol, which the canned endpoint does not.
        if (connections.Settings(name).Provider.Equals(ModelProviderNames.Ollama, StringComparison.OrdinalIgnoreCase)) return;
        using var warmUp = connections.BuildWarmUpClient(name, endpoint, transport);
        var runtime = engine.AdHocRuntime(content, new ModelChoice(name, connections.Settings(name).Model, []), JsonNode.Parse(Evaluators)!.AsArray(),
            ResponseCacheMode.Fresh, null, (_, _) => warmUp);
        await Parallel.ForEachAsync(Enumerable.Range(0, ConcurrentModelRequests), new ParallelOptions { MaxDegreeOfParallelism = ConcurrentModelRequests, CancellationToken = cancellationToken },
            async (_, token) =>
            {
                var row = await engine.RunRowAsync(runtime, example, 0, token);
                if (row.Error is not null) throw new InvalidOperationException($"the warm-up row of connection '{name}' failed: {row.Error}");
            });
    }
}
