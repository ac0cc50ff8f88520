using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using System.Net;
using System.Net.Sockets;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;

namespace PromptFunctions.LocalHost;

/// <summary>Section <c>DurableTask</c> of the local host.</summary>
public sealed class LocalDurableTaskOptions
{
    public const string Section = "DurableTask";

    /// <summary>Loopback port of the engine's gRPC sidecar; 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int SidecarPort { get; set; }

    /// <summary>Activities the engine runs at once. The stock in-memory engine caps this at the core count.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentActivities { get; set; } = 200;

    [Range(1, 10_000)]
    public int MaxConcurrentOrchestrations { get; set; } = 100;

    /// <summary>
    /// The engine is composed from these values before the host is built, so they are checked here rather than by
    /// ValidateOnStart; the failure names the settings like every other options failure does.
    /// </summary>
    public void Validate()
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true)) return;
        throw new OptionsValidationException(Section, typeof(LocalDurableTaskOptions),
            results.Select(r => $"{Section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
    }
}

/// <summary>
/// The in-process Durable Task engine of <c>Microsoft.DurableTask.InProcessTestHost</c> (in-memory backend and a
/// gRPC sidecar on loopback), wired like <c>AddInMemoryDurableTask</c> with one difference: the backend is
/// wrapped so that its concurrency limits come from configuration. The stock backend reports
/// <see cref="Environment.ProcessorCount"/> and its dispatcher then sleeps 500 ms whenever that many items run,
/// which on a 2-core machine serializes any fan-out.
/// </summary>
public static class LocalDurableTaskEngine
{
    public static IServiceCollection AddLocalDurableTaskEngine(this IServiceCollection services, LocalDurableTaskOptions options, Action<DurableTaskRegistry> registerTasks)
    {
        options.Validate();
        var port = options.SidecarPort > 0 ? options.SidecarPort : FreeLoopbackPort();
        var address = $"http://127.0.0.1:{port}";

        services.AddSingleton(sp => new InMemoryOrchestrationService(sp.GetService<ILoggerFactory>()));
        services.AddSingleton(sp => new ConfigurableConcurrencyOrchestrationService(
            sp.GetRequiredService<InMemoryOrchestrationService>(), options.MaxConcurrentActivities, options.MaxConcurrentOrchestrations));
        services.AddHostedService(sp => new SidecarHost(address, sp.GetRequiredService<ConfigurableConcurrencyOrchestrationService>(), sp.GetService<ILoggerFactory>()));
        services.AddDurableTaskWorker(builder =>
        {
            builder.UseGrpc(GrpcChannel.ForAddress(address));
            builder.AddTasks(registerTasks);
            builder.Configure(worker =>
            {
                worker.Concurrency.MaximumConcurrentActivityWorkItems = options.MaxConcurrentActivities;
                worker.Concurrency.MaximumConcurrentOrchestrationWorkItems = options.MaxConcurrentOrchestrations;
            });
        });
        services.AddDurableTaskClient(builder =>
        {
            builder.UseGrpc(GrpcChannel.ForAddress(address));
            builder.RegisterDirectly();
        });
        return services;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Serves the engine's gRPC API on loopback, as the package's internal sidecar host does.</summary>
    private sealed class SidecarHost(string address, ConfigurableConcurrencyOrchestrationService service, ILoggerFactory? loggerFactory) : IHostedService, IAsyncDisposable
    {
        private WebApplication? _app;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            if (loggerFactory is not null) builder.Services.AddSingleton(loggerFactory);
            builder.WebHost.UseUrls(address);
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton<IOrchestrationService>(service);
            builder.Services.AddSingleton<IOrchestrationServiceClient>(service);
            builder.Services.AddSingleton<TaskHubGrpcServer>();
            _app = builder.Build();
            _app.MapGrpcService<TaskHubGrpcServer>();
            await _app.StartAsync(cancellationToken);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_app is not null) await _app.StopAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null) await _app.DisposeAsync();
        }
    }
}

/// <summary>Delegates everything to the in-memory backend except the two concurrency limits.</summary>
public sealed class ConfigurableConcurrencyOrchestrationService(InMemoryOrchestrationService inner, int maxActivities, int maxOrchestrations)
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient
{
    public InMemoryOrchestrationService Inner => inner;

    public int MaxConcurrentTaskActivityWorkItems => maxActivities;
    public int MaxConcurrentTaskOrchestrationWorkItems => maxOrchestrations;

    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;
    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);
    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) => inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);

    public Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState) =>
        inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);

    public Task CreateAsync() => inner.CreateAsync();
    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);
    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();
    public Task DeleteAsync() => inner.DeleteAsync();
    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);
    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) => inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) => inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);
    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);
    public Task StartAsync() => inner.StartAsync();
    public Task StopAsync() => inner.StopAsync();
    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) => inner.CreateTaskOrchestrationAsync(creationMessage);
    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses) => inner.CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses);
    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) => inner.ForceTerminateTaskOrchestrationAsync(instanceId, reason);
    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId) => inner.GetOrchestrationHistoryAsync(instanceId, executionId);
    public Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) => inner.GetOrchestrationStateAsync(instanceId, allExecutions);
    public Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId) => inner.GetOrchestrationStateAsync(instanceId, executionId);
    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) => inner.PurgeOrchestrationHistoryAsync(thresholdDateTimeUtc, timeRangeFilterType);
    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => inner.SendTaskOrchestrationMessageAsync(message);
    public Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages) => inner.SendTaskOrchestrationMessageBatchAsync(messages);
    public Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken) => inner.WaitForOrchestrationAsync(instanceId, executionId, timeout, cancellationToken);

    public Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(DurableTask.Core.Query.OrchestrationQuery query, CancellationToken cancellationToken) => inner.GetOrchestrationWithQueryAsync(query, cancellationToken);
    public Task<DurableTask.Core.PurgeResult> PurgeInstanceStateAsync(string instanceId) => inner.PurgeInstanceStateAsync(instanceId);
    public Task<DurableTask.Core.PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) => inner.PurgeInstanceStateAsync(purgeInstanceFilter);
}
