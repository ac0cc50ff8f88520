using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts.Chat;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Telemetry;

namespace PromptFunctions.Core.Experiments;

/// <summary>Everything needed to run rows of one experiment, built once per process and experiment.</summary>
public sealed class ExperimentRuntime
{
    public required ExperimentRecord Record { get; init; }
    public required PromptVersionContent Content { get; init; }
    public required IChatClient Client { get; init; }
    public required ChatOptions Options { get; init; }
    public required IExperimentScorer Scorer { get; init; }
    public required DatasetSelection Dataset { get; init; }
    public ModelPrice? Price { get; init; }

    /// <summary>Set once this process has seen the experiment marked running.</summary>
    public bool Started { get; set; }
}

/// <summary>
/// Runs experiment rows: render the prompt with the example's input, call the model (through the run's response
/// cache and the connection's retrying pipeline), score the output, and persist the row. A failing row is recorded
/// with its error and never fails the batch. Used by the batch activity and, without persistence, the playground.
/// </summary>
public sealed class ExperimentEngine(
    ExperimentStore store,
    PromptCatalog catalog,
    ModelConnections connections,
    StorageClients storage,
    IExperimentExamples examples,
    IExperimentScorers scorers,
    IOptions<ExperimentsOptions> options,
    IOptions<PromptHubOptions> hub,
    TimeProvider clock,
    ILogger<ExperimentEngine> logger,
    PromptFunctionsMetrics metrics)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ExperimentRuntime>>> _runtimes = new();
    private readonly ConcurrentDictionary<string, (long CheckedAt, bool Cancelled)> _cancellation = new();

    public async Task<ExperimentBatchResult> RunBatchAsync(ExperimentBatchInput input, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var runtime = await RuntimeAsync(input.ExperimentId);
        using var span = ExperimentSpans.StartBatch(runtime.Record, input);
        var result = await RunBatchAsync(runtime, input, cancellationToken);
        ExperimentSpans.FinishBatch(span, result);
        metrics.RecordExperimentBatch(result.Units, clock.GetElapsedTime(started));
        return result;
    }

    private async Task<ExperimentBatchResult> RunBatchAsync(ExperimentRuntime runtime, ExperimentBatchInput input, CancellationToken cancellationToken)
    {
        if (!await MarkRunningAsync(runtime, cancellationToken)) return new ExperimentBatchResult(0, 0, true);
        if (await IsCancelledAsync(input.ExperimentId, cancellationToken)) return new ExperimentBatchResult(0, 0, true);

        var repetitions = runtime.Record.Repetitions;
        var firstIndex = input.FirstUnit / repetitions;
        var lastIndex = (input.FirstUnit + input.Units - 1) / repetitions;
        var rows = await examples.ReadAsync(runtime.Dataset, firstIndex, (int)(lastIndex - firstIndex + 1), cancellationToken);
        var byIndex = rows.ToDictionary(r => r.Index);

        // Rows are written in full transactions while the batch still runs, so the batch's end only waits for the
        // last partial transaction: the lane's idle time between batches stays short.
        var completed = new ConcurrentQueue<ExperimentRowResult>();
        var flushes = new List<Task>();
        var flushLock = new Lock();
        void FlushFullTransactions()
        {
            lock (flushLock)
            {
                while (completed.Count >= 100)
                {
                    var chunk = new List<ExperimentRowResult>(100);
                    while (chunk.Count < 100 && completed.TryDequeue(out var row)) chunk.Add(row);
                    flushes.Add(WriteFullChunkAsync(input.ExperimentId, chunk, cancellationToken));
                }
            }
        }
        var finishedCount = 0;
        var errors = 0;
        var cancelled = false;
        await Parallel.ForEachAsync(Enumerable.Range(0, input.Units), new ParallelOptions { MaxDegreeOfParallelism = input.RowConcurrency, CancellationToken = cancellationToken },
            async (offset, token) =>
            {
                if (Volatile.Read(ref cancelled)) return;
                if (await IsCancelledAsync(input.ExperimentId, token))
                {
                    Volatile.Write(ref cancelled, true);
                    return;
                }
                var unit = input.FirstUnit + offset;
                var index = unit / repetitions;
                var repetition = (int)(unit % repetitions);
                var result = byIndex.TryGetValue(index, out var example)
                    ? await RunRowAsync(runtime, example, repetition, token)
                    : new ExperimentRowResult($"#{index}", index, repetition, null, "[]", 0, 0, 0, 0, $"example {index} is missing from dataset version {runtime.Dataset.VersionId}");
                Interlocked.Increment(ref finishedCount);
                if (result.Error is not null) Interlocked.Increment(ref errors);
                metrics.RecordExperimentRow(failed: result.Error is not null);
                completed.Enqueue(result);
                if (completed.Count >= 100) FlushFullTransactions();
            });

        await Task.WhenAll(flushes);
        await store.WriteBatchAsync(input.ExperimentId, input.Batch, completed.ToList(), finishedCount, errors, cancellationToken);
        return new ExperimentBatchResult(finishedCount, errors, cancelled);
    }

    private async Task WriteFullChunkAsync(string experimentId, List<ExperimentRowResult> chunk, CancellationToken cancellationToken)
    {
        var rest = await store.WriteRowsAsync(experimentId, chunk, cancellationToken);
        if (rest.Count > 0) throw new InvalidOperationException("a full chunk left rows unwritten");
    }

    /// <summary>Runs one example once; never throws for a row-level failure (the error is in the result).</summary>
    public async Task<ExperimentRowResult> RunRowAsync(ExperimentRuntime runtime, ExperimentExample example, int repetition, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        string? output = null;
        long inputTokens = 0, outputTokens = 0;
        try
        {
            var rendered = PromptRenderer.Render(runtime.Content, example.Input, hub.Value.RenderLimits);
            if (rendered.MissingVariables.Count > 0)
                return Failed(example, repetition, $"the example's input lacks template variables: {string.Join(", ", rendered.MissingVariables)}");

            var chatOptions = runtime.Options.Clone();
            (chatOptions.AdditionalProperties ??= [])[ResponseCacheChatClient.RepetitionProperty] = repetition;
            var response = await runtime.Client.GetResponseAsync(PromptChat.ToChatMessages(runtime.Content, rendered, example.Input), chatOptions, cancellationToken);
            output = response.Text;
            inputTokens = response.Usage?.InputTokenCount ?? 0;
            outputTokens = response.Usage?.OutputTokenCount ?? 0;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Failed(example, repetition, Describe(e)) with { LatencyMs = clock.GetElapsedTime(started).TotalMilliseconds };
        }
        var latency = clock.GetElapsedTime(started).TotalMilliseconds;

        IReadOnlyList<EvaluatorScore> scores;
        try
        {
            scores = await runtime.Scorer.ScoreAsync(output, example, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            scores = [new EvaluatorScore("(evaluators)", "error", null, null, null, Describe(e))];
        }
        var cost = runtime.Price?.Cost(inputTokens, outputTokens) ?? 0;
        return new ExperimentRowResult(example.Id, example.Index, repetition, output, ScoresJson(scores), latency, inputTokens, outputTokens, cost, null);
    }

    private static ExperimentRowResult Failed(ExperimentExample example, int repetition, string error) =>
        new(example.Id, example.Index, repetition, null, "[]", 0, 0, 0, 0, error);

    private static string Describe(Exception e) => e switch
    {
        ResponseNotRecordedException => e.Message,
        PromptValidationException v => "render failed: " + v.Message,
        RenderLimitException r => Http.RenderProblems.RowError(r),
        System.ClientModel.ClientResultException c => $"model call failed with status {c.Status}: {c.Message}",
        Polly.Timeout.TimeoutRejectedException => "model call timed out (after retries)",
        HttpRequestException h => $"model endpoint unreachable: {h.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    public static string ScoresJson(IReadOnlyList<EvaluatorScore> scores) =>
        new JsonArray(scores.Select(s => (JsonNode?)new JsonObject
        {
            ["name"] = s.Name,
            ["type"] = s.Type,
            ["score"] = s.Score,
            ["passed"] = s.Passed,
            ["explanation"] = s.Explanation,
            ["error"] = s.Error,
        }).ToArray()).ToJsonString();

    public async Task FinalizeAsync(string experimentId, CancellationToken cancellationToken)
    {
        var rows = new List<ExperimentRowResult>();
        await foreach (var row in store.ReadRowsAsync(experimentId, cancellationToken)) rows.Add(row);
        var aggregates = ExperimentAggregation.Aggregate(rows);
        await store.TransitionAsync(experimentId, [ExperimentStatus.Running],
            r => r with { Status = ExperimentStatus.Completed, CompletedAt = clock.GetUtcNow(), AggregatesJson = aggregates.ToJsonString() }, cancellationToken);
        _runtimes.TryRemove(experimentId, out _);
    }

    /// <summary>A runtime for rows that are not part of a stored experiment (the playground, optimization runs).</summary>
    /// <param name="decorateConnection">Wraps each connection's client (by connection name) under the response cache, e.g. to count the calls that reach the model.</param>
    public ExperimentRuntime AdHocRuntime(PromptVersionContent content, ModelChoice model, JsonArray evaluators, ResponseCacheMode mode, DatasetSelection? dataset,
        Func<string, IChatClient, IChatClient>? decorateConnection = null)
    {
        IChatClient ClientFor(string connection)
        {
            var client = connections.GetChatClient(connection);
            return new ResponseCacheChatClient(decorateConnection is null ? client : decorateConnection(connection, client), storage.ModelCache, connection, mode);
        }
        options.Value.Prices.TryGetValue(model.Model, out var price);
        return new ExperimentRuntime
        {
            Record = null!,
            Content = content,
            Client = ClientFor(model.Connection),
            Options = RunOptions(content, model.Model, model.InvocationParameters),
            Scorer = scorers.Create(evaluators, c => ClientFor(c.Length == 0 ? model.Connection : c)),
            Dataset = dataset ?? new DatasetSelection("", "", null, 0),
            Price = price,
        };
    }

    /// <summary>The version's options with the model and parameters of the run, which may override its own.</summary>
    private static ChatOptions RunOptions(PromptVersionContent content, string model, JsonObject parameters) =>
        PromptChat.ToChatOptions(content with { Model = new ModelReference(content.Model?.Provider ?? "openai", model), InvocationParameters = parameters });

    /// <summary>
    /// Starts building the experiment's runtime (prompt, dataset, clients, evaluators) while the orchestration is
    /// being dispatched, so the first batch in this process does not pay for it. Failures are left to the batch,
    /// which builds it again.
    /// </summary>
    public void Prewarm(string experimentId) =>
        _ = RuntimeAsync(experimentId).ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private Task<ExperimentRuntime> RuntimeAsync(string experimentId)
    {
        var lazy = _runtimes.GetOrAdd(experimentId, id => new Lazy<Task<ExperimentRuntime>>(() => BuildRuntimeAsync(id)));
        if (lazy.Value.IsFaulted) _runtimes.TryRemove(new KeyValuePair<string, Lazy<Task<ExperimentRuntime>>>(experimentId, lazy));
        return lazy.Value;
    }

    private async Task<ExperimentRuntime> BuildRuntimeAsync(string experimentId)
    {
        var record = await store.GetAsync(experimentId, CancellationToken.None) ?? throw new InvalidOperationException($"experiment {experimentId} does not exist");
        PromptVersionContent content;
        if (record.DraftJson is { } draft)
        {
            content = PromptVersionJson.Parse(JsonNode.Parse(draft));
        }
        else
        {
            var version = await catalog.ResolveVersionAsync(record.PromptName, record.PromptVersionId, CancellationToken.None)
                ?? throw new InvalidOperationException($"prompt version {record.PromptVersionId} of '{record.PromptName}' no longer exists");
            content = (await catalog.GetDocumentAsync(version, CancellationToken.None))?.Content
                ?? throw new InvalidOperationException($"content of prompt version {record.PromptVersionId} is missing");
        }
        var dataset = await examples.ResolveAsync(record.DatasetName, record.DatasetVersionId, record.Split, CancellationToken.None)
            ?? throw new InvalidOperationException($"dataset version {record.DatasetVersionId} of '{record.DatasetName}' no longer exists");
        var mode = Enum.Parse<ResponseCacheMode>(record.CacheMode, ignoreCase: true);
        IChatClient ClientFor(string connection) => new ResponseCacheChatClient(connections.GetChatClient(connection), storage.ModelCache, connection, mode);
        var parameters = JsonNode.Parse(record.InvocationParametersJson)!.AsObject();
        options.Value.Prices.TryGetValue(record.Model, out var price);
        return new ExperimentRuntime
        {
            Record = record,
            Content = content,
            Client = ClientFor(record.Connection),
            Options = RunOptions(content, record.Model, parameters),
            Scorer = scorers.Create(JsonNode.Parse(record.EvaluatorsJson)!.AsArray(), c => ClientFor(c.Length == 0 ? record.Connection : c)),
            Dataset = dataset,
            Price = price,
        };
    }

    /// <summary>
    /// The first batch of each process moves the experiment from queued to running (saving the orchestration a
    /// separate activity round-trip); false when it was cancelled before it started.
    /// </summary>
    private async ValueTask<bool> MarkRunningAsync(ExperimentRuntime runtime, CancellationToken cancellationToken)
    {
        if (runtime.Started) return true;
        var record = await store.TransitionAsync(runtime.Record.Id, [ExperimentStatus.Queued, ExperimentStatus.Running],
            r => r.Status == ExperimentStatus.Running ? r : r with { Status = ExperimentStatus.Running, StartedAt = clock.GetUtcNow() }, cancellationToken);
        runtime.Started = record is ExperimentTransition.Changed;
        return runtime.Started;
    }

    /// <summary>Checks the stored status at most once a second per experiment, so cancel stops running batches soon.</summary>
    private async ValueTask<bool> IsCancelledAsync(string experimentId, CancellationToken cancellationToken)
    {
        var now = clock.GetTimestamp();
        if (_cancellation.TryGetValue(experimentId, out var known) && (known.Cancelled || clock.GetElapsedTime(known.CheckedAt, now) < TimeSpan.FromSeconds(1)))
            return known.Cancelled;
        var record = await store.GetAsync(experimentId, cancellationToken);
        var cancelled = record is null || record.Status == ExperimentStatus.Cancelled;
        _cancellation[experimentId] = (now, cancelled);
        if (cancelled)
        {
            logger.LogInformation("Experiment {Experiment} was cancelled; remaining rows are skipped", experimentId);
            _runtimes.TryRemove(experimentId, out _);
        }
        return cancelled;
    }
}
