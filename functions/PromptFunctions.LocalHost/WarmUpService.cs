using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.LocalHost;

/// <summary>
/// Warms the experiment path before the host takes requests: the row's code (<see cref="ExperimentWarmUp"/>) and,
/// beside it, one orchestration with one activity through the in-process engine (<see cref="ExperimentEngineWarmUp"/>:
/// the sidecar, the gRPC streams, history serialization, the worker's dispatch). Once the server listens, one request
/// to its own health route over loopback warms what every first request pays (Kestrel's connection and parser, the
/// route table, the middleware) and the client side of HTTP/1.1 that model calls use. The first experiment after
/// <c>./run.sh</c> was 1.7-1.9x its ideal, mostly JIT on a 2-core machine; a nightly run on a fresh host is always
/// such a first run. Bounded, and never fails the start.
/// </summary>
public sealed class WarmUpService(ExperimentWarmUp rows, ExperimentEngineWarmUp engine, DurableTaskClient durable, IServer server, ILogger<WarmUpService> logger)
    : IHostedLifecycleService
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RequestLimit = TimeSpan.FromSeconds(5);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        try
        {
            await Task.WhenAll(rows.WarmAsync(limit.Token), engine.RunAsync(durable, warmRows: false, limit.Token));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Only the limit expired: the host starts anyway, and the first experiment pays for what was not warmed.
            logger.LogWarning("The experiment warm-up did not finish within {Limit}; the first experiment will be slower", Limit);
        }
    }

    /// <summary>After every hosted service started, so the server listens; the host's start awaits it.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (LoopbackAddress() is not { } address) return;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(RequestLimit);
            using var http = new HttpClient { BaseAddress = address };
            using var response = await http.GetAsync(HealthRoutes.Health, limit.Token);
            await response.Content.ReadAsByteArrayAsync(limit.Token);
            logger.LogDebug("The warm-up request to {Address} answered {Status}", address, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            logger.LogWarning(e, "The warm-up request to {Address} did not finish; the first request will be slower", address);
        }
    }

    /// <summary>Where this host can reach itself: its first http address, a wildcard host taken as loopback.</summary>
    private Uri? LoopbackAddress()
    {
        var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
        if (listening is null) return null;
        var address = BindingAddress.Parse(listening);
        var host = address.Host is "+" or "*" or "[::]" or "0.0.0.0" ? "127.0.0.1" : address.Host;
        return new Uri($"http://{host}:{address.Port}/");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
