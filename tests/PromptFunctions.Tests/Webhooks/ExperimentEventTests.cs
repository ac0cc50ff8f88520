using System.Text.Json.Nodes;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Webhooks;

public sealed class ExperimentEventTests
{
    // Not on the Functions host: its own host in Development waits for the 10 s dispatch timer; delivery through the
    // real timer and orchestrations is WebhookDeliveryOnFunctionsHostTests' (the event's payload is the finalizer's own).
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_completed_experiment_is_announced_once_with_its_aggregates(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var experiments = await ExperimentTestHost.StartAsync(kind, settings: WebhookTestHost.ShortRetries(), environment: "Development");
        await using var host = WebhookTestHost.Attach(experiments.Api);
        var (_, secret) = await host.SubscribeAsync(receiver, "experiment.completed");
        await experiments.Api.CreateVersionAsync("echo", new JsonObject { ["template"] = "{{question}}" });
        await experiments.UploadAsync("two", [Example("a"), Example("b")]);

        var id = (await experiments.StartAsync(new JsonObject
        {
            ["prompt"] = ExperimentTestHost.Prompt("echo"),
            ["dataset"] = new JsonObject { ["name"] = "two" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
        }))["id"]!.GetValue<string>();
        await experiments.WaitAsync(id);

        var received = (await receiver.WaitForAsync(r => r.Count >= 1, what: "experiment.completed"))[0];
        received.Verify(secret);
        Assert.Equal("experiment.completed", received.Type);
        var experiment = received.Data["experiment"]!;
        Assert.Equal(id, experiment["id"]!.GetValue<string>());
        Assert.Equal("completed", experiment["status"]!.GetValue<string>());
        Assert.Equal(1.0, experiment["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>());
        await Task.Delay(500);
        Assert.Single(receiver.Received);
    }

    private static JsonObject Example(string question) => new()
    {
        ["input"] = new JsonObject { ["question"] = $"echo: {question}" },
        ["expected"] = question,
    };
}
