using System.Security.Cryptography;
using System.Text;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Suites;

/// <summary>
/// Starts suite runs: a run record claimed create-only under its id, then its orchestration with that id as the
/// instance id, refused by the Durable backend if the instance already exists.
/// </summary>
public sealed partial class SuiteRunLauncher(SuiteStore store, IOptions<SuitesOptions> options, TimeProvider clock, ILogger<SuiteRunLauncher> logger)
{
    /// <summary>The run id of <paramref name="suite"/>'s run for the CRON occurrence <paramref name="occurrence"/>: the same for every host and tick.</summary>
    public static string ScheduledRunId(string suite, DateTimeOffset occurrence) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"suite-schedule|{suite}|{occurrence.UtcTicks}")))[..32];

    /// <summary>The run, and whether this call started it (false: another tick, host or request already had).</summary>
    public async Task<(SuiteRunRecord Run, bool Started)> StartAsync(string runId, SuiteRecord suite, string trigger, DateTimeOffset? scheduledFor, string actor,
        DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var run = new SuiteRunRecord(runId, suite.Name, SuiteRunStatus.Queued, trigger, scheduledFor, now, actor, null, suite.Definition,
            null, null, null, null, null, [], null, null, null);
        if (!await store.TryCreateRunAsync(run, cancellationToken))
        {
            var existing = await store.GetRunAsync(runId, cancellationToken) ?? run;
            // A claim whose orchestration never started (the host stopped in between) is picked up once it is old enough
            // that its claimant cannot still be about to start it.
            var orphaned = existing.Status == SuiteRunStatus.Queued && existing.CreatedAt <= now.AddMinutes(-options.Value.OrphanedRunMinutes)
                && await durable.GetInstanceAsync(runId, cancellationToken) is null;
            if (!orphaned) return (existing, false);
            run = existing;
        }
        try
        {
            var start = new StartOrchestrationOptions(runId).WithDedupeStatuses([.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses]);
            await durable.ScheduleNewOrchestrationInstanceAsync(nameof(RunSuiteOrchestrator), new SuiteRunInput(runId), start, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (await durable.GetInstanceAsync(runId, CancellationToken.None) is null)
            {
                // A scheduled claim is retried by a later tick (orphan recovery); a manual run has no one to retry it,
                // so it ends failed rather than queued forever.
                if (trigger == SuiteRunTriggers.Manual)
                    await store.TransitionRunAsync(runId, [SuiteRunStatus.Queued], r => r with { Status = SuiteRunStatus.Failed, Error = "the orchestration could not be started", CompletedAt = clock.GetUtcNow() }, CancellationToken.None);
                throw;
            }
            LogAlreadyStarted(logger, runId);
            return (run, false);
        }
        return (run, true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Suite run {Run} was already started elsewhere")]
    private static partial void LogAlreadyStarted(ILogger logger, string run);
}

/// <summary>
/// The one scheduler both hosts tick (the Functions timer trigger, the local host's background service): for each
/// enabled schedule, the latest CRON occurrence not yet handled becomes one run whose id is derived from the suite
/// and the occurrence, so a tick fired twice or two hosts ticking at once start it once, and occurrences missed while
/// no host ran collapse into one run. Time comes from <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class SuiteScheduler(SuiteStore store, SuiteRunLauncher launcher, TimeProvider clock, ILogger<SuiteScheduler> logger)
{
    public const string Actor = "scheduler";

    /// <returns>The ids of the runs this tick started.</returns>
    public async Task<IReadOnlyList<string>> TickAsync(DurableTaskClient durable, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var started = new List<string>();
        await foreach (var schedule in store.ListSchedulesAsync(cancellationToken))
        {
            if (!schedule.Enabled) continue;
            if (SuiteCron.LatestDue(schedule.Cron, schedule.TimeZone, schedule.Watermark, now) is not { } due) continue;
            try
            {
                if (await store.GetAsync(schedule.Suite, cancellationToken) is { Definition.Enabled: not false } suite)
                {
                    var runId = SuiteRunLauncher.ScheduledRunId(schedule.Suite, due);
                    var (_, didStart) = await launcher.StartAsync(runId, suite, SuiteRunTriggers.Schedule, due, Actor, durable, cancellationToken);
                    if (didStart)
                    {
                        started.Add(runId);
                        LogStarted(logger, schedule.Suite, runId, due);
                    }
                }
                await store.AdvanceWatermarkAsync(schedule.Suite, due, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The watermark stays, so the next tick tries this occurrence again; other suites go on.
                LogTickFailed(logger, e, schedule.Suite);
            }
        }
        return started;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Suite {Suite}: started run {Run} for {Occurrence}")]
    private static partial void LogStarted(ILogger logger, string suite, string run, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Suite {Suite}: scheduling failed; the next tick retries")]
    private static partial void LogTickFailed(ILogger logger, Exception exception, string suite);
}
