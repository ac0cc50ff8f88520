using System.Text.Json.Nodes;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Webhooks;

/// <summary>The subscription routes' successful paths: list pages, changes, disabling, deletion; the secret only ever in two answers.</summary>
public sealed class WebhookSubscriptionTests
{
    // Not on the Functions host: each needs a host of its own in Development (a receiver on loopback) and some a
    // setting; the subscription routes run there in WebhookBadInputTests and WebhookDeliveryOnFunctionsHostTests.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Subscriptions_are_listed_changed_disabled_and_deleted_and_their_secret_is_shown_once(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(kind);
        var (first, secret) = await host.SubscribeAsync(receiver, "prompt.version.created");
        var (second, _) = await host.SubscribeAsync(receiver, "prompt.deleted", "prompt.tag.moved");
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", secret);

        var page1 = await host.Api.GetAsync("/api/webhooks?limit=1");
        Assert.Equal(200, page1.Status);
        Assert.Equal(first, Assert.Single(page1.Json["data"]!.AsArray())!["id"]!.GetValue<string>());
        var cursor = page1.Json["next_cursor"]!.GetValue<string>();
        var page2 = await host.Api.GetAsync($"/api/webhooks?limit=1&cursor={cursor}");
        Assert.Equal(second, Assert.Single(page2.Json["data"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.Null(page2.Json["next_cursor"]);

        var patched = await host.Api.SendAsync(HttpMethod.Patch, $"/api/webhooks/{first}", """{"events":["prompt.version.created","prompt.tag.moved"],"description":null,"enabled":false}""");
        Assert.Equal(200, patched.Status);
        Assert.Equal(["prompt.version.created", "prompt.tag.moved"], patched.Json["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Null(patched.Json["description"]);
        Assert.False(patched.Json["enabled"]!.GetValue<bool>());
        Assert.Equal("disabled by admin", patched.Json["disabled_reason"]!.GetValue<string>());

        // Disabled: a version saved now is not sent to it; the other subscription does not ask for versions.
        var prompt = Drivers.PromptName("crud");
        await host.Api.CreateVersionAsync(prompt, Samples.Text("while disabled"));
        await Task.Delay(1000);
        Assert.Empty(receiver.Received);
        Assert.Empty(await host.DeliveriesAsync(first));

        var enabled = await host.Api.SendAsync(HttpMethod.Patch, $"/api/webhooks/{first}", """{"enabled":true}""");
        Assert.True(enabled.Json["enabled"]!.GetValue<bool>());
        Assert.Null(enabled.Json["disabled_reason"]);
        await host.Api.CreateVersionAsync(prompt, Samples.Text("enabled again"));
        var received = await receiver.WaitForAsync(r => r.Count >= 1);
        Assert.Equal("prompt.version.created", received[0].Type);
        received[0].Verify(secret);

        foreach (var body in new[] { page1.Body, page2.Body, patched.Body, enabled.Body, (await host.Api.GetAsync($"/api/webhooks/{first}")).Body })
        {
            Assert.DoesNotContain(secret, body);
            Assert.DoesNotContain("whsec_", body);
        }

        Assert.Equal(204, (await host.Api.DeleteAsync($"/api/webhooks/{first}")).Status);
        Assert.Equal(404, (await host.Api.GetAsync($"/api/webhooks/{first}")).Status);
        Assert.Equal(404, (await host.Api.GetAsync($"/api/webhooks/{first}/deliveries")).Status);
        Assert.Equal(second, Assert.Single((await host.Api.GetAsync("/api/webhooks")).Json["data"]!.AsArray())!["id"]!.GetValue<string>());
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Deliveries_are_listed_newest_first_in_pages(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(kind);
        var (subscription, _) = await host.SubscribeAsync(receiver, "prompt.version.created");
        var prompt = Drivers.PromptName("pages");
        foreach (var text in new[] { "one", "two", "three" }) await host.Api.CreateVersionAsync(prompt, Samples.Text(text));
        await host.WaitForDeliveriesAsync(subscription, d => d.Count == 3 && d.All(x => x!["state"]!.GetValue<string>() == "delivered"));

        var sequences = new List<long>();
        string? cursor = null;
        do
        {
            var page = await host.Api.GetAsync($"/api/webhooks/{subscription}/deliveries?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.Equal(200, page.Status);
            foreach (var delivery in page.Json["data"]!.AsArray())
            {
                Assert.Single(delivery!["attempts"]!.AsArray());
                var body = receiver.Received.Single(r => r.Id == delivery["message_id"]!.GetValue<string>());
                sequences.Add(body.Data["version"]!["sequence"]!.GetValue<long>());
            }
            cursor = page.Json["next_cursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.Equal([3, 2, 1], sequences);
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Finished_deliveries_and_their_events_are_removed_after_the_retention_period(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // About six seconds.
        await using var host = await WebhookTestHost.StartAsync(kind, settings: new Dictionary<string, string?> { ["Webhooks:RetentionDays"] = "0.00007" });
        var (subscription, _) = await host.SubscribeAsync(receiver, "prompt.version.created");
        await host.Api.CreateVersionAsync(Drivers.PromptName("retention"), Samples.Text("short-lived"));
        await host.WaitForDeliveriesAsync(subscription, d => d.Count == 1 && d[0]!["state"]!.GetValue<string>() == "delivered");
        Assert.NotEmpty(await EventRowsAsync(host.Api.Storage));

        await host.WaitForDeliveriesAsync(subscription, d => d.Count == 0, TimeSpan.FromSeconds(20));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await EventRowsAsync(host.Api.Storage)).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "event rows were not removed");
            await Task.Delay(200);
        }
        Assert.Equal(200, (await host.Api.GetAsync($"/api/webhooks/{subscription}")).Status);
    }

    private static async Task<List<string>> EventRowsAsync(TestStorage storage)
    {
        var table = new Azure.Data.Tables.TableClient(storage.ConnectionString, storage.WebhooksTable);
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {"events"}")))
            rows.Add(row.RowKey);
        return rows;
    }
}
