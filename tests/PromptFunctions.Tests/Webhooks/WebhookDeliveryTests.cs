using System.Text.Json.Nodes;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;
using StandardWebhooks.Diagnostics;

namespace PromptFunctions.Tests.Webhooks;

/// <summary>
/// Events from real changes reach a receiver on loopback, signed so that the independent StandardWebhooks package
/// verifies them, on both hosts. Retries use short waits (<see cref="WebhookTestHost.ShortRetries"/>).
/// </summary>
public sealed class WebhookDeliveryTests
{
    private static readonly string[] PromptEvents = ["prompt.version.created", "prompt.tag.moved", "prompt.tag.deleted", "prompt.deleted"];

    // Not on the Functions host: each needs a host of its own (Development, short retries, some a restart on the same
    // storage, which a real host with an Azurite of its own cannot share); WebhookDeliveryOnFunctionsHostTests below
    // runs delivery there through the real timer and orchestrations.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public Task Prompt_changes_arrive_as_signed_events_that_an_independent_library_verifies(string kind) =>
        PromptChangesArriveSignedAsync(kind);

    /// <param name="timeout">How long to wait for the events and for their deliveries' records.</param>
    internal static async Task PromptChangesArriveSignedAsync(string kind, TimeSpan? timeout = null)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(kind);
        var (subscription, secret) = await host.SubscribeAsync(receiver, PromptEvents);
        var prompt = Drivers.PromptName("hook");

        var v1 = (await host.Api.CreateVersionAsync(prompt, Samples.Text("one {{x}}"), tags: ["staging"]))["id"]!.GetValue<string>();
        var v2 = (await host.Api.CreateVersionAsync(prompt, Samples.Text("two {{x}}")))["id"]!.GetValue<string>();
        Assert.Equal(200, (await host.Api.PutAsync($"/api/prompts/{prompt}/tags/staging", new JsonObject { ["version"] = v2, ["reason"] = "better" })).Status);
        Assert.Equal(204, (await host.Api.DeleteAsync($"/api/prompts/{prompt}/tags/staging")).Status);
        // Through the Phoenix API: every API changes prompts through the one writer, so its events are the same.
        Assert.Equal(204, (await host.Api.DeleteAsync($"/api/v1/prompts/{prompt}")).Status);

        var received = await receiver.WaitForAsync(r => r.Count >= 6, timeout, what: "six prompt events");
        await Task.Delay(500);
        received = receiver.Received;
        Assert.Equal(6, received.Count);
        foreach (var delivery in received)
        {
            delivery.Verify(secret);
            Assert.StartsWith("msg_", delivery.Id);
            Assert.Equal(prompt, delivery.Data["prompt"]!.GetValue<string>());
        }
        Assert.Throws<WebhookVerificationException>(() => received[0].Verify("whsec_" + Convert.ToBase64String(new byte[32])));
        await ReferenceVerifier.AssertVerifiedAsync(secret, received);
        Assert.All(await ReferenceVerifier.VerifyAsync("whsec_" + Convert.ToBase64String(new byte[32]), received), r => Assert.NotNull(r));
        Assert.Equal(6, received.Select(r => r.Id).Distinct().Count());

        var byType = received.GroupBy(r => r.Type).ToDictionary(g => g.Key, g => g.Select(r => r.Data).ToList());
        Assert.Equal(new[] { v1, v2 }.Order(), byType["prompt.version.created"].Select(d => d["version"]!["id"]!.GetValue<string>()).Order());
        var moves = byType["prompt.tag.moved"].OrderBy(d => d["history_number"]!.GetValue<long>()).ToList();
        Assert.Equal(2, moves.Count);
        Assert.Equal("create", moves[0]["action"]!.GetValue<string>());
        Assert.Null(moves[0]["previous_version"]);
        Assert.Equal(v1, moves[0]["version"]!["id"]!.GetValue<string>());
        Assert.Equal("move", moves[1]["action"]!.GetValue<string>());
        Assert.Equal(v1, moves[1]["previous_version"]!["id"]!.GetValue<string>());
        Assert.Equal(2, moves[1]["version"]!["sequence"]!.GetValue<long>());
        Assert.Equal("better", moves[1]["reason"]!.GetValue<string>());
        var deleted = Assert.Single(byType["prompt.tag.deleted"]);
        Assert.Equal(v2, deleted["previous_version"]!["id"]!.GetValue<string>());
        Assert.Equal("admin", Assert.Single(byType["prompt.deleted"])["actor"]!.GetValue<string>());

        var deliveries = await host.WaitForDeliveriesAsync(subscription, d => d.Count == 6 && d.All(x => x!["state"]!.GetValue<string>() == "delivered"), timeout);
        foreach (var d in deliveries)
        {
            var attempt = Assert.Single(d!["attempts"]!.AsArray());
            Assert.Equal(200, attempt!["status"]!.GetValue<int>());
            Assert.Equal("ok", attempt["response_excerpt"]!.GetValue<string>());
            Assert.True(attempt["duration_ms"]!.GetValue<double>() >= 0);
        }
        Assert.Equal(received.Select(r => r.Id).Order(), deliveries.Select(d => d!["message_id"]!.GetValue<string>()).Order());
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_receiver_that_fails_three_times_gets_the_event_exactly_once_more_with_the_same_id(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = n => n <= 3 ? 500 : 200;
        await using var host = await WebhookTestHost.StartAsync(kind);
        var (subscription, secret) = await host.SubscribeAsync(receiver, "prompt.version.created");

        await host.Api.CreateVersionAsync(Drivers.PromptName("retry"), Samples.Text("retry me"));

        await receiver.WaitForAsync(r => r.Any(x => x.AnsweredWith == 200), what: "the successful attempt");
        // Longer than every remaining wait of the schedule: nothing more may arrive.
        await Task.Delay(2500);
        var received = receiver.Received;
        Assert.Equal([500, 500, 500, 200], received.Select(r => r.AnsweredWith));
        Assert.Single(received.Select(r => r.Id).Distinct());
        Assert.Single(received.Select(r => r.Body).Distinct());
        Assert.All(received, r => r.Verify(secret));

        var delivery = Assert.Single(await host.DeliveriesAsync(subscription))!;
        Assert.Equal("delivered", delivery["state"]!.GetValue<string>());
        Assert.Equal([500, 500, 500, 200], delivery["attempts"]!.AsArray().Select(a => a!["status"]!.GetValue<int>()));
        Assert.Equal([1, 2, 3, 4], delivery["attempts"]!.AsArray().Select(a => a!["number"]!.GetValue<int>()));
        Assert.Contains("receiver says 500", delivery["attempts"]![0]!["response_excerpt"]!.GetValue<string>());
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Redirects_are_not_followed_and_a_slow_answer_is_a_timed_out_attempt(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = n => n == 1 ? 307 : 200;
        receiver.Delay = n => n == 2 ? TimeSpan.FromSeconds(3) : TimeSpan.Zero;
        await using var host = await WebhookTestHost.StartAsync(kind, settings: new Dictionary<string, string?> { ["Webhooks:AttemptTimeoutSeconds"] = "0.5" });
        var (subscription, _) = await host.SubscribeAsync(receiver, "prompt.version.created");

        await host.Api.CreateVersionAsync(Drivers.PromptName("redirect"), Samples.Text("follow me"));

        var delivery = (await host.WaitForDeliveriesAsync(subscription, d => d.Count == 1 && d[0]!["state"]!.GetValue<string>() == "delivered"))[0]!;
        var attempts = delivery["attempts"]!.AsArray();
        Assert.Equal(3, attempts.Count);
        Assert.Equal(307, attempts[0]!["status"]!.GetValue<int>());
        Assert.Null(attempts[1]!["status"]);
        Assert.Contains("no answer within 0.5 s", attempts[1]!["error"]!.GetValue<string>());
        Assert.Equal(200, attempts[2]!["status"]!.GetValue<int>());
        // The slow request is recorded when the receiver gets round to it, after the sender gave up on it.
        await receiver.WaitForAsync(r => r.Count == 3, what: "the slow request");
        Assert.Equal(new[] { 200, 200, 307 }, receiver.Received.Select(r => r.AnsweredWith).Order());
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_410_disables_the_subscription_and_later_events_are_not_sent(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = _ => 410;
        await using var host = await WebhookTestHost.StartAsync(kind);
        var (subscription, _) = await host.SubscribeAsync(receiver, "prompt.version.created");
        var prompt = Drivers.PromptName("gone");

        await host.Api.CreateVersionAsync(prompt, Samples.Text("first"));
        await receiver.WaitForAsync(r => r.Count >= 1, what: "the first delivery");
        var deliveries = await host.WaitForDeliveriesAsync(subscription, d => d.Count == 1 && d[0]!["state"]!.GetValue<string>() == "failed");
        Assert.Contains("410", deliveries[0]!["reason"]!.GetValue<string>());

        var state = (await host.Api.GetAsync($"/api/webhooks/{subscription}")).Json;
        Assert.False(state["enabled"]!.GetValue<bool>());
        Assert.Contains("410 Gone", state["disabled_reason"]!.GetValue<string>());

        await host.Api.CreateVersionAsync(prompt, Samples.Text("second"));
        await Task.Delay(1500);
        Assert.Single(receiver.Received);
        Assert.Single(await host.DeliveriesAsync(subscription));
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_host_restart_between_the_change_and_the_delivery_loses_nothing(string kind)
    {
        var storage = await TestStorage.CreateAsync();
        // No receiver listens on this port yet: every attempt of the first host fails to connect.
        var port = FreePort();
        string subscription, secret, messageId;
        await using (var first = await WebhookTestHost.StartAsync(kind, storage))
        {
            var url = $"http://127.0.0.1:{port}/hook";
            var created = await first.Api.PostAsync("/api/webhooks", new JsonObject { ["url"] = url, ["events"] = new JsonArray("prompt.version.created") });
            Assert.Equal(201, created.Status);
            subscription = created.Json["subscription"]!["id"]!.GetValue<string>();
            secret = created.Json["secret"]!.GetValue<string>();
            await first.Api.CreateVersionAsync(Drivers.PromptName("restart"), Samples.Text("survive a restart"));
            var pending = await first.WaitForDeliveriesAsync(subscription, d => d.Count == 1 && d[0]!["attempts"]!.AsArray().Count >= 1);
            Assert.Equal("pending", pending[0]!["state"]!.GetValue<string>());
            Assert.Null(pending[0]!["attempts"]![0]!["status"]);
            messageId = pending[0]!["message_id"]!.GetValue<string>();
        }

        await using var receiver = await WebhookReceiver.StartAsync(port);
        await using var second = await WebhookTestHost.StartAsync(kind, storage);
        var received = await receiver.WaitForAsync(r => r.Count >= 1, what: "the delivery after the restart");
        Assert.Equal(messageId, received[0].Id);
        received[0].Verify(secret);
        await second.WaitForDeliveriesAsync(subscription, d => d[0]!["state"]!.GetValue<string>() == "delivered");
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task An_event_still_in_the_outbox_when_the_host_stops_is_delivered_by_the_next_one(string kind)
    {
        var storage = await TestStorage.CreateAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        string secret;
        // The Functions app dispatches only on its timer, which this first host never fires: the event stays in the outbox.
        // The local host dispatches at once, so for it this is the plain case; the delivery-phase restart is the test above.
        await using (var first = await WebhookTestHost.StartAsync(kind, storage, pumpTimer: false))
        {
            (_, secret) = await first.SubscribeAsync(receiver, "prompt.version.created");
            await first.Api.CreateVersionAsync(Drivers.PromptName("outbox"), Samples.Text("in the outbox"));
        }
        await using var second = await WebhookTestHost.StartAsync(kind, storage);
        var received = await receiver.WaitForAsync(r => r.Count >= 1, what: "the event after the restart");
        await Task.Delay(500);
        Assert.Single(receiver.Received.Select(r => r.Id).Distinct());
        received[0].Verify(secret);
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task During_a_rotation_deliveries_carry_signatures_that_verify_with_the_old_and_the_new_secret(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(kind);
        var (subscription, oldSecret) = await host.SubscribeAsync(receiver, "prompt.version.created");

        var rotated = await host.Api.PostAsync($"/api/webhooks/{subscription}/rotate-secret", new JsonObject());
        Assert.Equal(200, rotated.Status);
        var newSecret = rotated.Json["secret"]!.GetValue<string>();
        Assert.NotEqual(oldSecret, newSecret);
        var expires = DateTimeOffset.Parse(rotated.Json["previous_secret_expires_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));

        await host.Api.CreateVersionAsync(Drivers.PromptName("rotate"), Samples.Text("rotated"));
        var delivery = (await receiver.WaitForAsync(r => r.Count >= 1))[0];
        Assert.Equal(2, delivery.Signature.Split(' ').Length);
        await ReferenceVerifier.AssertVerifiedAsync(oldSecret, [delivery]);
        await ReferenceVerifier.AssertVerifiedAsync(newSecret, [delivery]);
        // The NuGet library checks only the first signature of a list; the current secret's comes first.
        delivery.Verify(newSecret);

        var listed = (await host.Api.GetAsync($"/api/webhooks/{subscription}")).Body;
        Assert.DoesNotContain(oldSecret, listed);
        Assert.DoesNotContain(newSecret, listed);
        Assert.DoesNotContain("secret\"", (await host.Api.GetAsync("/api/webhooks")).Body);
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_delivery_is_redelivered_on_request_with_the_same_id(string kind)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = await WebhookTestHost.StartAsync(kind);
        var (subscription, secret) = await host.SubscribeAsync(receiver, "prompt.version.created");
        await host.Api.CreateVersionAsync(Drivers.PromptName("again"), Samples.Text("again"));
        var delivery = (await host.WaitForDeliveriesAsync(subscription, d => d.Count == 1 && d[0]!["state"]!.GetValue<string>() == "delivered"))[0]!;
        var id = delivery["id"]!.GetValue<string>();

        var redelivered = await host.Api.PostAsync($"/api/webhooks/{subscription}/deliveries/{id}/redeliver", new JsonObject());
        Assert.Equal(202, redelivered.Status);

        var received = await receiver.WaitForAsync(r => r.Count >= 2, what: "the redelivery");
        Assert.Equal(received[0].Id, received[1].Id);
        Assert.Equal(received[0].Body, received[1].Body);
        received[1].Verify(secret);
        var after = (await host.WaitForDeliveriesAsync(subscription, d => d[0]!["state"]!.GetValue<string>() == "delivered" && d[0]!["attempts"]!.AsArray().Count == 2))[0]!;
        Assert.Equal(id, after["id"]!.GetValue<string>());
    }

    // Not on the Functions host, for the reason above.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_name_that_resolves_to_a_forbidden_address_at_delivery_time_is_never_connected_to(string kind)
    {
        var storage = await TestStorage.CreateAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        string subscription;
        // Saved where loopback is allowed (Development); delivered by a host where it is not, as if the name had
        // been pointed at an internal address after the check.
        await using (var development = await WebhookTestHost.StartAsync(kind, storage))
        {
            var created = await development.Api.PostAsync("/api/webhooks", new JsonObject
            {
                ["url"] = $"https://localhost:{receiver.Url.Port}/hook",
                ["events"] = new JsonArray("prompt.version.created"),
            });
            Assert.Equal(201, created.Status);
            subscription = created.Json["subscription"]!["id"]!.GetValue<string>();
        }
        await using var production = WebhookTestHost.Attach(await Drivers.StartAsync(kind, WebhookTestHost.ShortRetries(), storage: storage));
        await production.Api.CreateVersionAsync(Drivers.PromptName("rebind"), Samples.Text("not for you"));

        var deliveries = await production.WaitForDeliveriesAsync(subscription, d => d.Count == 1 && d[0]!["attempts"]!.AsArray().Count >= 2);
        Assert.All(deliveries[0]!["attempts"]!.AsArray(), a =>
        {
            Assert.Null(a!["status"]);
            Assert.Contains("loopback address", a["error"]!.GetValue<string>());
        });
        Assert.Empty(receiver.Received);
        await production.Api.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Webhook delivery as deployed: the Functions app inside the real Functions host (in Development, so the receiver on
/// loopback is allowed) fans the outbox out on its real <c>DispatchWebhooks</c> timer (every 10 s) and delivers
/// through Durable Functions over Azure Storage. A host of its own, so it waits for the host's start and the timer:
/// in the long-wait category. The retry, redirect, 410, rotation and restart cases run on the hosts in this process,
/// whose delivery code is the same; here the timer, the orchestration and the real host's outbound HTTP are the point.
/// </summary>
[Trait("Category", Experiments.CrashScenario.LongWait)]
public sealed class WebhookDeliveryOnFunctionsHostTests
{
    [Fact]
    public Task Prompt_changes_arrive_as_signed_events_through_the_real_timer_and_orchestrations() =>
        WebhookDeliveryTests.PromptChangesArriveSignedAsync(Drivers.FunctionsHost, TimeSpan.FromSeconds(120));
}
