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
/// with exponential backoff and jitter; anything else (400, 401, content filters, a body that is not a completion)
/// fails at once. A <c>Retry-After</c> (or OpenAI's <c>retry-after-ms</c>) on the failed answer replaces the backoff,
/// up to <see cref="MaxRetryAfter"/>. Each attempt gets its own timeout, so one hung call cannot stall a whole batch.
/// </summary>
public sealed class ResilientChatClient : DelegatingChatClient
{
    /// <summary>The longest wait a server's <c>Retry-After</c> can ask for; a longer one is cut to this.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    private readonly ResiliencePipeline _pipeline;

    public ResilientChatClient(IChatClient inner, ModelCallPolicy policy, TimeProvider clock) : base(inner)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        // Polly rejects a retry strategy of zero attempts; MaxRetries 0 (allowed by the options) means no strategy.
        if (policy.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                // A cancellation the caller did not ask for is a client's own network timeout (the SDK's and
                // Polly's per-attempt timeouts race), as transient as Polly's.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e &&
                    (IsTransient(e) || e is OperationCanceledException && !args.Context.CancellationToken.IsCancellationRequested)),
                MaxRetryAttempts = policy.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = policy.BaseDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception, clock)),
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

    /// <summary>What the failed answer asked to wait before the next attempt; null when it did not say.</summary>
    public static TimeSpan? RetryAfter(Exception? exception, TimeProvider clock)
    {
        if (exception is not ClientResultException { } failure || failure.GetRawResponse() is not { } response) return null;
        TimeSpan? wait = null;
        if (response.Headers.TryGetValue("retry-after-ms", out var ms) &&
            double.TryParse(ms, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var milliseconds) &&
            double.IsFinite(milliseconds) && milliseconds >= 0)
            wait = TimeSpan.FromMilliseconds(Math.Min(milliseconds, MaxRetryAfter.TotalMilliseconds));
        else if (response.Headers.TryGetValue("Retry-After", out var value) && value is not null)
        {
            // Delay-seconds or an HTTP-date (RFC 9110 10.2.3).
            if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                wait = TimeSpan.FromSeconds(Math.Min(seconds, MaxRetryAfter.TotalSeconds));
            else if (DateTimeOffset.TryParseExact(value, "r", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
                wait = date - clock.GetUtcNow();
        }
        if (wait is not { } w) return null;
        return w < TimeSpan.Zero ? TimeSpan.Zero : w > MaxRetryAfter ? MaxRetryAfter : w;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        return await _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.GetResponseAsync(state.List, state.Options, token),
            (Inner: InnerClient, List: list, Options: options),
            cancellationToken);
    }
}
