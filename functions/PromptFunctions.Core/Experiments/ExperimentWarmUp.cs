using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts.Chat;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Core.Experiments;

/// <summary>
/// Runs a row's code path once at host start without calling a model or leaving anything stored, so the first
/// experiment after a start does not pay for it: the tables and containers are created; one row and its batch record
/// are written under an id no experiment can have (a version-7 GUID never has version 0), read back and deleted;
/// every configured model connection's pipeline is built and asked for the request it would send (its dry-run
/// transport never sends it), and its provider client answers a canned completion from an in-memory transport; a
/// prompt is rendered into chat messages and scored with an evaluator. On a 2-core machine the JIT of that path was most of the first
/// experiment's extra time.
/// </summary>
public sealed class ExperimentWarmUp(
    StorageClients storage,
    ExperimentStore store,
    ModelConnections connections,
    IExperimentScorers scorers,
    IExperimentExamples examples,
    ExperimentRequestReader reader,
    IOptions<PromptHubOptions> hub,
    ILogger<ExperimentWarmUp> logger)
{
    /// <summary>Never throws: a failed warm-up only means the first run pays for what it did not warm.</summary>
    public async Task WarmAsync(CancellationToken cancellationToken)
    {
        try
        {
            var storageWarm = WarmStorageAsync(cancellationToken);
            var content = PromptVersionJson.Parse(JsonNode.Parse("""{"template":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"{{question}}"}]}"""));
            var input = new JsonObject { ["question"] = "1" };
            var rendered = PromptRenderer.Render(content, input, hub.Value.RenderLimits);
            var messages = PromptChat.ToChatMessages(content, rendered, input);
            var options = PromptChat.ToChatOptions(content);
            var models = connections.Names.Select(name => WarmConnectionAsync(name, messages, options, cancellationToken)).ToList();

            var scorer = scorers.Create(JsonNode.Parse("""[{"type":"exact_match"}]""")!.AsArray(), _ => throw new InvalidOperationException("no judge in the warm-up"));
            var example = new ExperimentExample("warm-up", 0, input, JsonValue.Create("1"), null);
            var scores = await scorer.ScoreAsync("1", example, cancellationToken);
            var row = new ExperimentRowResult(example.Id, 0, 0, "1", ExperimentEngine.ScoresJson(scores), 1, 1, 1, 0, null);
            _ = ExperimentAggregation.Aggregate([row]).ToJsonString();

            var request = WarmRequestAsync(content, cancellationToken);
            await Task.WhenAll(models);
            await storageWarm;
            await request;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "The experiment warm-up failed; the first experiment will be slower");
        }
    }

    /// <summary>What starting an experiment reads and answers: a prompt and a dataset that do not exist, the model and evaluator specs, the response.</summary>
    private async Task WarmRequestAsync(PromptFunctions.Prompts.Model.PromptVersionContent content, CancellationToken cancellationToken)
    {
        var cursor = new ValidatingJsonReader();
        await reader.ReadPromptAsync(new JsonObject { ["name"] = "pf-warm-up-missing" }, "$.prompt", cursor, cancellationToken);
        await examples.ResolveAsync("pf-warm-up-missing", null, null, cancellationToken);
        if (connections.Names.FirstOrDefault() is { } connection)
            reader.ReadModel(new JsonObject { ["connection"] = connection }, "$.model", content, cursor);
        reader.ReadEvaluators(JsonNode.Parse("""[{"type":"exact_match"}]"""), "$.evaluators", cursor);
        var record = new ExperimentRecord("00000000000000000000000000000000", null, null, null, "warm-up", "warm-up", 1, null, null, "warm-up", "warm-up", null,
            1, 1, "warm-up", "warm-up", "{}", "[]", "fresh", 1, ExperimentStatus.Queued, DateTimeOffset.UnixEpoch, "warm-up", null, null, null, null, null);
        _ = PromptFunctions.Contracts.ContractsJson.Serialize(ExperimentsApi.Describe(record, 0, 0));
        _ = ExperimentPlan.For(record.Id, 1000, 50);
    }

    private async Task WarmStorageAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync();
        const string WarmUpId = "00000000000000000000000000000000";
        await store.GetAsync(WarmUpId, cancellationToken);
        var row = new ExperimentRowResult("warm-up", 0, 0, "1", "[]", 1, 1, 1, 0, null);
        await store.WriteBatchAsync(WarmUpId, 0, [row], 1, 0, cancellationToken);
        try
        {
            await store.ProgressAsync(WarmUpId, cancellationToken);
            await foreach (var _ in store.ReadRowsAsync(WarmUpId, cancellationToken)) { }
        }
        finally
        {
            await storage.Experiments.SubmitTransactionAsync([
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(WarmUpId, ExperimentRowEntity.Key(0, 0)), ETag.All),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(WarmUpId, ExperimentBatchEntity.Key(0)), ETag.All),
            ], CancellationToken.None);
        }
    }

    private async Task WarmConnectionAsync(string name, IList<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        var client = connections.GetChatClient(name);
        if (client.GetService<ModelRequestCapture>() is { } capture)
            await capture.CaptureAsync(messages.ToList(), options, cancellationToken);
        var settings = connections.Settings(name);
        if (settings.Provider.Equals(ModelProviderNames.Ollama, StringComparison.OrdinalIgnoreCase)) return;
        using var canned = ModelConnections.CreateProviderClient(settings, new CannedCompletion());
        await canned.GetResponseAsync(messages, options, cancellationToken);
    }

    /// <summary>An OpenAI-protocol transport that answers every request with one fixed completion, in memory.</summary>
    private sealed class CannedCompletion : HttpMessageHandler
    {
        private const string Completion = """
            {"id":"warm-up","object":"chat.completion","created":1700000000,"model":"warm-up","choices":[{"index":0,"message":{"role":"assistant","content":"1"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}
            """;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null) await request.Content.ReadAsByteArrayAsync(cancellationToken);
            return new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                RequestMessage = request,
                Content = new StringContent(Completion, System.Text.Encoding.UTF8, "application/json"),
            };
        }
    }
}
