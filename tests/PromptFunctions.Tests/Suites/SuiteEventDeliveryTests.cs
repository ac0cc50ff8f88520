using PromptFunctions.Core.Events;
using PromptFunctions.Tests.Infrastructure;
using PromptFunctions.Tests.Webhooks;

namespace PromptFunctions.Tests.Suites;

/// <summary>
/// Issue 9 end to end on both hosts: a regressing suite run announced to a real subscriber on loopback, through the
/// outbox, the dispatcher and the delivery orchestration, and verified with two independent Standard Webhooks
/// libraries (the StandardWebhooks NuGet package and the JavaScript reference library).
/// </summary>
public sealed class SuiteEventDeliveryTests
{
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_candidate_wrong_on_15_percent_of_400_rows_reaches_a_subscriber_as_one_signed_regression_detected(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await SuiteTestHost.StartAsync(kind, SuiteRunTests.Models, deliverEvents: true);
        var (subscription, secret) = await host.Webhooks!.SubscribeAsync(receiver, EventTypes.RegressionDetected, EventTypes.SuiteRunCompleted);
        await host.SeedAsync("qa", "questions", 400);
        Assert.Equal(201, (await host.PutSuiteAsync("nightly", SuiteTestHost.Definition("qa", "questions", "candidate-bad", "stub-model"))).Status);

        var runId = await host.StartRunAsync("nightly");
        var run = await host.WaitRunAsync(runId);
        Assert.Equal("regressed", run["verdict"]!.GetValue<string>());

        await receiver.WaitForAsync(r => r.Any(x => x.Type == EventTypes.RegressionDetected) && r.Any(x => x.Type == EventTypes.SuiteRunCompleted),
            TimeSpan.FromSeconds(60), "regression.detected and suite.run.completed");
        // Longer than a dispatch pass and a retry wait: a second copy would have arrived by now.
        await Task.Delay(1500);
        var received = receiver.Received;
        Assert.Equal(2, received.Count);
        Assert.All(received, r => Assert.Equal(200, r.AnsweredWith));

        var regression = Assert.Single(received, r => r.Type == EventTypes.RegressionDetected);
        regression.Verify(secret);
        Assert.Equal("nightly", regression.Data["suite"]!.GetValue<string>());
        Assert.Equal(runId, regression.Data["run_id"]!.GetValue<string>());
        Assert.Equal("regressed", regression.Data["verdict"]!.GetValue<string>());
        Assert.Equal(run["prompt"]!["version"]!.GetValue<string>(), regression.Data["prompt"]!["version"]!.GetValue<string>());
        var blamed = Assert.Single(regression.Data["regressions"]!.AsArray())!;
        Assert.Equal("stub", blamed["connection"]!.GetValue<string>());
        Assert.Equal("candidate-bad", blamed["model"]!.GetValue<string>());
        Assert.Equal("exact_match", blamed["evaluator"]!.GetValue<string>());
        Assert.Equal(-0.15, blamed["difference"]!.GetValue<double>(), 6);

        var completed = Assert.Single(received, r => r.Type == EventTypes.SuiteRunCompleted);
        completed.Verify(secret);
        Assert.Equal(runId, completed.Data["run_id"]!.GetValue<string>());
        Assert.Equal("completed", completed.Data["status"]!.GetValue<string>());
        Assert.Equal("regressed", completed.Data["verdict"]!.GetValue<string>());

        await ReferenceVerifier.AssertVerifiedAsync(secret, received);
        Assert.All(await ReferenceVerifier.VerifyAsync("whsec_" + Convert.ToBase64String(new byte[32]), received), r => Assert.NotNull(r));
        var deliveries = await host.Webhooks.WaitForDeliveriesAsync(subscription, d => d.Count == 2 && d.All(x => x!["state"]!.GetValue<string>() == "delivered"));
        Assert.Equal(received.Select(r => r.Id).Order(), deliveries.Select(d => d!["message_id"]!.GetValue<string>()).Order());
    }
}
