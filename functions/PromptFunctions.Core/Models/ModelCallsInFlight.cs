using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Models;

/// <summary>Section <c>ModelLimits</c>: bounds on model calls that hold across connections and experiments.</summary>
public sealed class ModelLimitsOptions
{
    public const string Section = "ModelLimits";

    /// <summary>
    /// Model calls in flight at once in this process, summed over every experiment, suite, optimization and
    /// playground request and every connection. Each experiment's <c>max_concurrency</c> bounds that experiment; this
    /// bounds their sum, so many experiments started together cannot open more calls than a provider accepts.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxCallsInFlight { get; set; } = 256;
}

/// <summary>
/// The process-wide count of model calls in flight (<see cref="ModelLimitsOptions.MaxCallsInFlight"/>). A call
/// waits for a slot before its first attempt and keeps it through its retries, so the bound holds however the
/// calls fail; a caller that gives up while waiting releases nothing it did not take.
/// </summary>
public sealed class ModelCallsInFlight(IOptions<ModelLimitsOptions> options)
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxCallsInFlight, options.Value.MaxCallsInFlight);

    public int Limit { get; } = options.Value.MaxCallsInFlight;

    /// <summary>Calls holding a slot now.</summary>
    public int Current => Limit - _slots.CurrentCount;

    public IChatClient Wrap(IChatClient inner) => new Gate(inner, _slots);

    private sealed class Gate(IChatClient inner, SemaphoreSlim slots) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                return await base.GetResponseAsync(messages, options, cancellationToken);
            }
            finally
            {
                slots.Release();
            }
        }

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken)) yield return update;
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
