using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Core.Suites;
using PromptFunctions.FunctionApp.Triggers;
using PromptFunctions.LocalHost;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Suites;

/// <summary>The schedule on both hosts, on a clock the test moves: one run per occurrence however the ticks fall.</summary>
public sealed class SuiteScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 10, 2, 0, TimeSpan.Zero);

    // Not on the Functions host: the test moves a clock of its own inside the host's process; the real host's timer
    // trigger (SuiteScheduleTick, every minute) calls the same SuiteScheduler.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Double_ticks_concurrent_schedulers_and_an_outage_each_start_one_run_per_occurrence(string kind)
    {
        var clock = new ManualClock(Start);
        await using var host = await SuiteTestHost.StartAsync(kind, clock: clock);
        await host.SeedAsync("qa", "questions", 5);
        var definition = SuiteTestHost.Definition("qa", "questions", "other-model");
        definition["schedule"] = new JsonObject { ["cron"] = "*/5 * * * *" };
        Assert.Equal(201, (await host.PutSuiteAsync("every-five", definition)).Status);

        var services = host.Api.Services;
        var durable = services.GetRequiredService<DurableTaskClient>();
        var scheduler = services.GetRequiredService<SuiteScheduler>();
        // A second scheduler with its own instance stands for a second host on the same storage and task hub.
        var otherHost = ActivatorUtilities.CreateInstance<SuiteScheduler>(services);

        // Occurrences before the suite existed are not run.
        Assert.Empty(await scheduler.TickAsync(durable, CancellationToken.None));

        // A tick fired twice: the 10:05 occurrence starts once.
        clock.Set(Start.AddMinutes(4));
        Assert.Single(await scheduler.TickAsync(durable, CancellationToken.None));
        Assert.Empty(await scheduler.TickAsync(durable, CancellationToken.None));

        // Two schedulers and the host's own timer entry point tick at once for 10:10.
        clock.Set(Start.AddMinutes(9));
        var ticks = await Task.WhenAll(
            scheduler.TickAsync(durable, CancellationToken.None),
            otherHost.TickAsync(durable, CancellationToken.None),
            HostEntryPointTickAsync(kind, services, durable, host));
        Assert.True(ticks.Sum(t => t.Count) <= 1);

        // Down from 10:11 to 11:13: twelve occurrences were missed; one run, for the latest, follows on return.
        clock.Set(Start.AddMinutes(71));
        Assert.Single(await scheduler.TickAsync(durable, CancellationToken.None));
        Assert.Empty(await otherHost.TickAsync(durable, CancellationToken.None));

        var runs = (await host.Api.GetAsync("/api/suites/every-five/runs")).Json["data"]!.AsArray().Select(r => r!.AsObject()).ToList();
        var occurrences = runs.Select(r => DateTimeOffset.Parse(r["scheduled_for"]!.GetValue<string>(), CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal([Start.AddMinutes(3), Start.AddMinutes(8), Start.AddMinutes(68)], occurrences);
        Assert.All(runs, r => Assert.Equal("schedule", r["trigger"]!.GetValue<string>()));
        foreach (var run in runs)
        {
            var done = await host.WaitRunAsync(run["id"]!.GetValue<string>());
            Assert.Equal("completed", done["status"]!.GetValue<string>());
        }
        // Each run's experiments ran once: 5 rows, baseline and one candidate, three runs.
        Assert.Equal(30, host.Model.Calls);
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_disabled_suite_and_a_suite_without_schedule_never_start(string kind)
    {
        var clock = new ManualClock(Start);
        await using var host = await SuiteTestHost.StartAsync(kind, clock: clock);
        await host.SeedAsync("qa", "questions", 5);
        var disabled = SuiteTestHost.Definition("qa", "questions", "other-model");
        disabled["schedule"] = new JsonObject { ["cron"] = "* * * * *" };
        disabled["enabled"] = false;
        Assert.Equal(201, (await host.PutSuiteAsync("off", disabled)).Status);
        Assert.Equal(201, (await host.PutSuiteAsync("manual-only", SuiteTestHost.Definition("qa", "questions", "other-model"))).Status);
        var scheduler = host.Api.Services.GetRequiredService<SuiteScheduler>();
        var durable = host.Api.Services.GetRequiredService<DurableTaskClient>();

        clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(await scheduler.TickAsync(durable, CancellationToken.None));

        // Enabling it again starts from now: the two hours while it was off are not owed a run.
        disabled["enabled"] = true;
        Assert.Equal(200, (await host.PutSuiteAsync("off", disabled)).Status);
        Assert.Empty(await scheduler.TickAsync(durable, CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(1));
        var started = Assert.Single(await scheduler.TickAsync(durable, CancellationToken.None));
        Assert.Equal("completed", (await host.WaitRunAsync(started))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_local_host_runs_the_scheduler_service_unless_scheduling_is_turned_off()
    {
        await using (var on = await LocalHostDriver.StartAsync())
            Assert.Single(on.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<SuiteSchedulerService>());
        await using var off = await LocalHostDriver.StartAsync(new Dictionary<string, string?> { ["Suites:SchedulerEnabled"] = "false" });
        Assert.Empty(off.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<SuiteSchedulerService>());
    }

    /// <summary>The host's own scheduling entry point: the Functions timer trigger, or one pass of the local host's background service.</summary>
    private static async Task<IReadOnlyList<string>> HostEntryPointTickAsync(string kind, IServiceProvider services, DurableTaskClient durable, SuiteTestHost host)
    {
        if (kind == Drivers.Functions)
        {
            var triggers = ActivatorUtilities.CreateInstance<SuiteTriggers>(services);
            await triggers.Tick(new TimerInfo(), durable, CancellationToken.None);
            return [];
        }
        using var service = ActivatorUtilities.CreateInstance<SuiteSchedulerService>(services);
        await service.StartAsync(CancellationToken.None);
        // Its first tick runs at start; wait until the occurrence has its run, whoever started it.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var runs = (await host.Api.GetAsync("/api/suites/every-five/runs")).Json["data"]!.AsArray();
            if (runs.Count >= 2) break;
            await Task.Delay(50);
        }
        await service.StopAsync(CancellationToken.None);
        return [];
    }
}
