using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.Core.Optimization;

/// <summary>
/// The model calls made, and their cost, by one unit of work (one row, one optimizer request). A unit opens its
/// scope with <see cref="Begin"/>; every <see cref="ModelCallMeter"/> below it in the same async flow adds to it,
/// including the judge calls an evaluator makes on the row's behalf.
/// </summary>
public sealed class ModelSpend
{
    private static readonly AsyncLocal<ModelSpend?> CurrentScope = new();
    private readonly Lock _lock = new();
    private long _calls;
    private double _cost;

    public static ModelSpend? Current => CurrentScope.Value;

    public long Calls
    {
        get
        {
            lock (_lock) return _calls;
        }
    }

    public double Cost
    {
        get
        {
            lock (_lock) return _cost;
        }
    }

    /// <summary>Starts counting for the calling async flow; calls made after the caller returns are not counted here.</summary>
    public static ModelSpend Begin()
    {
        var spend = new ModelSpend();
        CurrentScope.Value = spend;
        return spend;
    }

    public void Add(double cost)
    {
        lock (_lock)
        {
            _calls++;
            _cost += cost;
        }
    }
}

/// <summary>
/// Counts every call that reaches a connection (retries inside the connection's pipeline are one call) into the
/// current <see cref="ModelSpend"/>, priced by <c>Experiments:Prices</c> for the model the call named. A call that
/// fails still counts: it may have been billed, and a budget must not be overrun by failures.
/// </summary>
public sealed class ModelCallMeter(IChatClient inner, string defaultModel, IReadOnlyDictionary<string, ModelPrice> prices) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var spend = ModelSpend.Current;
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Abandoned by this process (it is stopping): the step runs again and counts the call then.
            throw;
        }
        catch
        {
            spend?.Add(0);
            throw;
        }
        var model = options?.ModelId ?? response.ModelId ?? defaultModel;
        var cost = prices.TryGetValue(model, out var price) ? price.Cost(response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0) : 0;
        spend?.Add(cost);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Streaming carries usage only in its last update, if at all; it is counted as a call without cost.
        ModelSpend.Current?.Add(0);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken)) yield return update;
    }
}
