using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.Core.Telemetry;

/// <summary>
/// Counts model calls, tokens and cost per connection and model. Its stage sits inside each connection's
/// pipeline, below the response cache, so only calls that reach a provider count, and above the retries, so a
/// call retried three times counts once.
/// </summary>
public sealed class ModelCallMetrics(PromptFunctionsMetrics metrics, IOptionsMonitor<ExperimentsOptions> experiments)
{
    /// <param name="defaultModel">The connection's model, for calls whose options name none.</param>
    public IChatClient Wrap(IChatClient inner, string connection, string defaultModel) => new MeteredChatClient(inner, this, connection, defaultModel);

    private void Record(string connection, string model, UsageDetails? usage, Exception? failure)
    {
        var connectionTag = new KeyValuePair<string, object?>(TelemetryAttributes.ModelConnection, connection);
        var modelTag = new KeyValuePair<string, object?>(TelemetryAttributes.GenAiRequestModel, model);
        if (metrics.ModelCalls.Enabled)
        {
            if (failure is null) metrics.ModelCalls.Add(1, connectionTag, modelTag);
            else metrics.ModelCalls.Add(1, connectionTag, modelTag, new KeyValuePair<string, object?>(TelemetryAttributes.ErrorType, failure.GetType().FullName));
        }
        if (usage is null) return;
        long input = usage.InputTokenCount ?? 0, output = usage.OutputTokenCount ?? 0;
        if (metrics.ModelTokens.Enabled)
        {
            if (input > 0) metrics.ModelTokens.Add(input, connectionTag, modelTag, new KeyValuePair<string, object?>(TelemetryAttributes.GenAiTokenType, "input"));
            if (output > 0) metrics.ModelTokens.Add(output, connectionTag, modelTag, new KeyValuePair<string, object?>(TelemetryAttributes.GenAiTokenType, "output"));
        }
        if (metrics.ModelCost.Enabled && experiments.CurrentValue.Prices.TryGetValue(model, out var price))
            metrics.ModelCost.Add(price.Cost(input, output), connectionTag, modelTag);
    }

    private sealed class MeteredChatClient(IChatClient inner, ModelCallMetrics owner, string connection, string defaultModel) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var model = options?.ModelId ?? defaultModel;
            ChatResponse response;
            try
            {
                response = await base.GetResponseAsync(messages, options, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                owner.Record(connection, model, null, e);
                throw;
            }
            owner.Record(connection, model, response.Usage, null);
            return response;
        }

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var model = options?.ModelId ?? defaultModel;
            UsageDetails? usage = null;
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                foreach (var content in update.Contents)
                {
                    if (content is UsageContent { Details: { } details }) (usage ??= new UsageDetails()).Add(details);
                }
                yield return update;
            }
            owner.Record(connection, model, usage, null);
        }
    }
}
