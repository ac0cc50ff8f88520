using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Optimization;

/// <summary>The signed hook starts runs like <c>POST /api/optimizations</c>, with <c>webhook-id</c> as the idempotency key.</summary>
public sealed class OptimizationHookTests
{
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_signed_delivery_starts_one_run_and_its_repeats_answer_with_it(string kind)
    {
        await using var scenario = await OptimizationScenario.StartAsync(kind, OptimizerScript.Rules, new Dictionary<string, string?>
        {
            ["Hooks:Optimize:Secrets:0"] = OptimizationHostsFixture.Secret,
            ["Hooks:Optimize:Secrets:1"] = OptimizationHostsFixture.NextSecret,
        });
        var payload = scenario.Request(maxRounds: 1).ToJsonString();
        var messageId = "msg_" + Guid.NewGuid().ToString("N");

        var first = await OptimizationInputTests.DeliverAsync(scenario.Api, payload, OptimizationInputTests.Signed(OptimizationHostsFixture.Secret, messageId, payload));
        Assert.True(first.Status == 202, first.ToString());
        var id = first.Json["id"]!.GetValue<string>();
        Assert.Equal("hook:optimize", first.Json["created_by"]!.GetValue<string>());

        // The sender retries (signed again, later, with the other secret of a rotation): nothing new starts, and the
        // answer is the run the first delivery started, whether it is still running or done.
        var repeat = await OptimizationInputTests.DeliverAsync(scenario.Api, payload,
            OptimizationInputTests.Signed(OptimizationHostsFixture.NextSecret, messageId, payload, DateTimeOffset.UtcNow.AddSeconds(5)));
        Assert.True(repeat.Status == 200, repeat.ToString());
        Assert.Equal(id, repeat.Json["id"]!.GetValue<string>());
        Assert.Equal($"/api/optimizations/{id}", repeat.Header("Location"));

        var run = await scenario.WaitAsync(id);
        Assert.Equal("completed", run["status"]!.GetValue<string>());
        var calls = scenario.Model.Calls;
        Assert.Equal(calls, run["spent"]!["model_calls"]!.GetValue<long>());
        var late = await OptimizationInputTests.DeliverAsync(scenario.Api, payload, OptimizationInputTests.Signed(OptimizationHostsFixture.Secret, messageId, payload));
        Assert.Equal(200, late.Status);
        Assert.Equal("completed", late.Json["status"]!.GetValue<string>());
        Assert.Equal(calls, scenario.Model.Calls);

        // A different delivery is a different run.
        var other = await OptimizationInputTests.DeliverAsync(scenario.Api, payload, OptimizationInputTests.Signed(OptimizationHostsFixture.Secret, messageId + "-2", payload));
        Assert.Equal(202, other.Status);
        Assert.NotEqual(id, other.Json["id"]!.GetValue<string>());
        await scenario.WaitAsync(other.Json["id"]!.GetValue<string>());
    }
}
