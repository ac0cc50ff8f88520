using System.Net.Sockets;
using System.Text.Json.Nodes;
using PromptFunctions.Client.Tests.Infrastructure;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Client.Tests;

/// <summary>Each test stops its own local host, so none shares one.</summary>
public sealed class OutageTests
{
    [Fact]
    public async Task With_the_service_down_an_expired_answer_keeps_being_served()
    {
        await using var host = await LocalHostFixture.StartHostAsync();
        var prompt = TestPrompts.Name("down");
        var id = await TestPrompts.CreateAsync(host, prompt, TestPrompts.Chat("Cached."), "production");
        await using var harness = ClientHarness.Create(host.BaseAddress);
        var cached = await harness.GetAsync(prompt, PromptReference.Production);

        await host.App.StopAsync();
        harness.Clock.Advance(TimeSpan.FromSeconds(61));
        var served = harness.GetAsync(prompt, PromptReference.Production);
        Assert.True(served.IsCompletedSuccessfully);
        Assert.Same(cached, await served);
        await harness.IdleAsync();

        var failed = harness.Log.Records.Skip(1).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, attempt =>
        {
            Assert.Null(attempt.Status);
            Assert.Equal("HttpRequestException", attempt.Error);
            Assert.Equal($"\"{id}.1\"", attempt.IfNoneMatch);
        });

        // Still served, and the failing service is not asked again on every call.
        for (var i = 0; i < 20; i++) Assert.Same(cached, await harness.GetAsync(prompt, PromptReference.Production));
        await harness.IdleAsync();
        Assert.Equal(failed.Count + 1, harness.Log.Records.Count);

        // After the retry interval one caller tries again, and is still served the cached answer.
        harness.Clock.Advance(PromptFunctionsClient.RetryInterval);
        Assert.Same(cached, await harness.GetAsync(prompt, PromptReference.Production));
        await harness.IdleAsync();
        Assert.Equal(2 * failed.Count + 1, harness.Log.Records.Count);
    }

    [Fact]
    public async Task Cold_with_the_service_down_serves_the_configured_fallback()
    {
        await using var host = await LocalHostFixture.StartHostAsync();
        await host.App.StopAsync();
        var prompt = TestPrompts.Name("cold");
        var fallback = JsonNode.Parse("""{"template": [{"role": "system", "content": "Fallback for {{product}}."}], "model": {"provider": "openai", "name": "gpt-4o-mini"}}""")!;
        await using var harness = ClientHarness.Create(host.BaseAddress, configure: o => o.AddFallback(prompt, fallback));

        var served = await harness.GetAsync(prompt, PromptReference.Production);

        Assert.True(served.IsFallback);
        Assert.Equal(prompt, served.Name);
        Assert.Equal(PromptVersionJson.ComputeId(PromptVersionJson.Parse(fallback)), served.Id);
        Assert.Equal("Fallback for Contoso.", served.ToChatMessages(new Dictionary<string, object?> { ["product"] = "Contoso" })[0].Text);
        var attempts = harness.Log.Records;
        Assert.NotEmpty(attempts);
        Assert.All(attempts, attempt => Assert.Null(attempt.Status));

        // Later callers get the fallback at once instead of waiting for the outage again.
        var again = harness.GetAsync(prompt, PromptReference.Production);
        Assert.True(again.IsCompletedSuccessfully);
        Assert.Same(served, await again);
        await harness.IdleAsync();
        Assert.Equal(attempts.Count, harness.Log.Records.Count);
    }

    [Fact]
    public async Task Cold_with_the_service_down_and_no_fallback_throws_unavailable()
    {
        await using var host = await LocalHostFixture.StartHostAsync();
        await host.App.StopAsync();
        var prompt = TestPrompts.Name("nofb");
        await using var harness = ClientHarness.Create(host.BaseAddress, configure: o => o.AddFallback(TestPrompts.Name("other"), TestPrompts.Chat("Not this one.")));

        var error = await Assert.ThrowsAsync<PromptServiceUnavailableException>(() => harness.GetAsync(prompt, PromptReference.Production));

        Assert.Equal(prompt, error.PromptName);
        Assert.Equal(PromptReference.Production, error.Reference);
        Assert.Null(error.StatusCode);
        Assert.IsType<HttpRequestException>(error.InnerException);
        Assert.IsType<PromptFunctionsException>(error, exactMatch: false);
    }

    /// <summary>
    /// A transport failure that escapes the HTTP stack unwrapped, as a connection reset between connect and send does
    /// on Linux ("Transport endpoint is not connected"), is an outage like any other.
    /// </summary>
    public static TheoryData<string> TransportFailures() => ["socket", "wrapped socket", "io", "tls"];

    private static Exception Failure(string kind) => kind switch
    {
        "socket" => new SocketException((int)SocketError.NotConnected),
        "wrapped socket" => new InvalidOperationException("a handler wrapped it", new SocketException((int)SocketError.ConnectionReset)),
        "io" => new IOException("The response ended prematurely."),
        _ => new System.Security.Authentication.AuthenticationException("The remote certificate is invalid."),
    };

    [Theory, MemberData(nameof(TransportFailures))]
    public async Task Any_transport_failure_is_unavailable_or_serves_the_fallback(string kind)
    {
        var prompt = TestPrompts.Name("transport");
        var broken = () => new FailingHandler(Failure(kind));

        await using var bare = ClientHarness.Create(new Uri("http://127.0.0.1:9/"), transport: broken);
        var error = await Assert.ThrowsAsync<PromptServiceUnavailableException>(() => bare.GetAsync(prompt, PromptReference.Production));
        Assert.Same(Failure(kind).GetType(), error.InnerException!.GetType());
        Assert.Null(error.StatusCode);

        await using var withFallback = ClientHarness.Create(new Uri("http://127.0.0.1:9/"), configure: o => o.AddFallback(prompt, TestPrompts.Chat("From the fallback.")), transport: broken);
        Assert.True((await withFallback.GetAsync(prompt, PromptReference.Production)).IsFallback);
    }

    [Fact]
    public async Task A_bare_socket_failure_on_revalidation_keeps_serving_the_cached_answer()
    {
        await using var host = await LocalHostFixture.StartHostAsync();
        var prompt = TestPrompts.Name("reset");
        await TestPrompts.CreateAsync(host, prompt, TestPrompts.Chat("Cached."), "production");
        var failing = false;
        await using var harness = ClientHarness.Create(host.BaseAddress,
            transport: () => new SwitchableHandler(() => failing ? new SocketException((int)SocketError.NotConnected) : null));
        var cached = await harness.GetAsync(prompt, PromptReference.Production);

        failing = true;
        harness.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Same(cached, await harness.GetAsync(prompt, PromptReference.Production));
        await harness.IdleAsync();
        Assert.Same(cached, await harness.GetAsync(prompt, PromptReference.Production));
    }

    /// <summary>Throws <paramref name="failure"/> for every request, as a broken network stack would.</summary>
    private sealed class FailingHandler(Exception failure) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(failure);
    }

    /// <summary>The real network, or the failure <paramref name="failure"/> returns when it returns one.</summary>
    private sealed class SwitchableHandler(Func<Exception?> failure) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            failure() is { } e ? Task.FromException<HttpResponseMessage>(e) : base.SendAsync(request, cancellationToken);
    }

    [Fact]
    public async Task A_fallback_is_replaced_once_the_service_answers()
    {
        await using var host = await LocalHostFixture.StartHostAsync();
        var prompt = TestPrompts.Name("recover");
        var id = await TestPrompts.CreateAsync(host, prompt, TestPrompts.Chat("From the service."), "production");
        // The client points at a port where nothing listens until the test forwards it to the host.
        await using var relay = await TcpRelay.StartAsync();
        await using var harness = ClientHarness.Create(relay.Address, configure: o => o.AddFallback(prompt, TestPrompts.Chat("From the fallback.")));

        Assert.True((await harness.GetAsync(prompt, PromptReference.Production)).IsFallback);
        relay.ForwardTo(host.BaseAddress);
        harness.Clock.Advance(PromptFunctionsClient.RetryInterval);
        Assert.True((await harness.GetAsync(prompt, PromptReference.Production)).IsFallback); // served while retrying
        await harness.IdleAsync();
        var recovered = await harness.GetAsync(prompt, PromptReference.Production);

        Assert.False(recovered.IsFallback);
        Assert.Equal(id, recovered.Id);
        // The retry never offers the fallback's id as If-None-Match.
        Assert.All(harness.Log.Records, r => Assert.Null(r.IfNoneMatch));
    }
}
