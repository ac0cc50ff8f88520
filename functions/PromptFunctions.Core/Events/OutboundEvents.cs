using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PromptFunctions.Core.Events;

/// <summary>The event types subscribers can ask for (<c>POST /api/webhooks</c>, <c>events</c>).</summary>
public static class EventTypes
{
    public const string PromptVersionCreated = "prompt.version.created";
    public const string PromptTagMoved = "prompt.tag.moved";
    public const string PromptTagDeleted = "prompt.tag.deleted";
    public const string PromptDeleted = "prompt.deleted";
    public const string ExperimentCompleted = "experiment.completed";
    public const string SuiteRunCompleted = "suite.run.completed";
    public const string RegressionDetected = "regression.detected";
    public const string OptimizationProposed = "optimization.proposed";

    public static readonly IReadOnlyList<string> All =
        [PromptVersionCreated, PromptTagMoved, PromptTagDeleted, PromptDeleted, ExperimentCompleted, SuiteRunCompleted, RegressionDetected, OptimizationProposed];
}

/// <summary>
/// Where features announce what happened (a version created, a suite run completed, ...). Publishing must not
/// block or fail the change that caused it; delivery to subscribers is the publisher's business, durable and
/// at least once.
/// </summary>
/// <remarks>
/// <paramref name="idempotencyKey"/> identifies the occurrence: publishing the same key twice (a retried activity,
/// a replayed orchestration) announces it once.
/// </remarks>
public interface IEventPublisher
{
    Task PublishAsync(string type, string idempotencyKey, JsonObject data, CancellationToken cancellationToken);
}

/// <summary>The publisher until a delivering one is registered: events go nowhere.</summary>
public sealed class DiscardingEventPublisher : IEventPublisher
{
    public Task PublishAsync(string type, string idempotencyKey, JsonObject data, CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class EventServiceCollectionExtensions
{
    /// <summary>Registers the discarding publisher unless a delivering one was registered first.</summary>
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.TryAddSingleton<IEventPublisher, DiscardingEventPublisher>();
        return services;
    }
}
