using System.ClientModel;
using System.Net;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace PromptFunctions.Core.Models;

/// <summary>Retry and timeout policy for model calls.</summary>
public sealed record ModelCallPolicy(int MaxRetries, TimeSpan BaseDelay, TimeSpan PerCallTimeout)
{
    public static readonly ModelCallPolicy Default = new(4, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(120));
}

/// <summary>
/// Retries a model call on rate limiting (429), server errors (5xx), network failures and per-attempt timeouts,
/// with exponential backoff and jitter; anything else (400, 401, content filters) fails at once. Each attempt
/// gets its own timeout, so one hung call cannot stall a whole batch.
/// </summary>
public sealed class ResilientChatClient : DelegatingChatClient
{
    private readonly ResiliencePipeline _pipeline;

    public ResilientChatClient(IChatClient inner, ModelCallPolicy policy, TimeProvider clock) : base(inner)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        // Polly rejects a retry strategy of zero attempts; MaxRetries 0 (allowed by the options) means no strategy.
        if (policy.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = policy.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = policy.BaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
            });
        }
        _pipeline = builder.AddTimeout(policy.PerCallTimeout).Build();
    }

    public static bool IsTransient(Exception exception) => exception switch
    {
        ClientResultException e => e.Status is 408 or 429 or >= 500,
        HttpRequestException e => e.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int?)e.StatusCode >= 500,
        TimeoutRejectedException => true,
        _ => false,
    };

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        return await _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.GetResponseAsync(state.List, state.Options, token),
            (Inner: InnerClient, List: list, Options: options),
            cancellationToken);
    }
}
