using Microsoft.DurableTask.Client;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Durable;
using PromptFunctions.Core.Suites;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="SuiteRoutes"/>, as the Functions app's SuiteTriggers do.</summary>
internal static class SuiteEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<SuitesApi>();
        var durable = services.GetRequiredService<DurableTaskClient>();
        var routes = SuiteRoutes.All;
        endpoints.Map(routes, "ListSuites", (HttpRequest r) => h.List(r));
        endpoints.Map(routes, "GetSuite", (HttpRequest r, string name) => h.Get(r, name));
        endpoints.Map(routes, "PutSuite", (HttpRequest r, string name) => h.Put(r, name));
        endpoints.Map(routes, "DeleteSuite", (HttpRequest r, string name) => h.Delete(r, name));
        endpoints.Map(routes, "StartSuiteRun", (HttpRequest r, string name) => h.StartRun(r, name, durable));
        endpoints.Map(routes, "ListSuiteRuns", (HttpRequest r, string name) => h.ListRuns(r, name));
        endpoints.Map(routes, "GetSuiteRun", (HttpRequest r, string id) => h.GetRun(r, id));
        endpoints.Map(routes, "GetSuiteVerdicts", (HttpRequest r) => h.Verdicts(r));
    }
}

/// <summary>
/// The local host's stand-in for the Functions timer trigger: ticks <see cref="SuiteScheduler"/> at start and then
/// at the top of every minute, on <see cref="TimeProvider"/>'s clock.
/// </summary>
public sealed partial class SuiteSchedulerService(SuiteScheduler scheduler, DurableTaskClient durable, TimeProvider clock, ILogger<SuiteSchedulerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await scheduler.TickAsync(durable, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTickFailed(logger, e);
            }
            var now = clock.GetUtcNow();
            var untilNextMinute = TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(now.UtcTicks % TimeSpan.TicksPerMinute);
            try
            {
                await Task.Delay(untilNextMinute, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Suite scheduler tick failed; the next one retries")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}

/// <summary>
/// The local host's starter of the optimizations regressed suite runs ask for (the Functions app makes them on its
/// scheduler tick): a pass at start, at once when a run of this process signals one, else every
/// <see cref="SuitesOptions.OptimizationStartIntervalSeconds"/> for runs other processes completed.
/// </summary>
public sealed class SuiteOptimizationStartService(
    SuiteOptimizationLauncher launcher,
    SuiteOptimizationSignal signal,
    DurableTaskClient durable,
    Microsoft.Extensions.Options.IOptions<SuitesOptions> options,
    ILogger<SuiteOptimizationStartService> logger)
    : SignalledPassService(signal, durable, TimeSpan.FromSeconds(options.Value.OptimizationStartIntervalSeconds), logger)
{
    protected override string PassName => "Optimization start";

    protected override Task PassAsync(DurableTaskClient durable, CancellationToken cancellationToken) => launcher.StartPendingAsync(durable, cancellationToken);
}
