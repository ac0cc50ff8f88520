using Microsoft.AspNetCore.Http;
using PromptFunctions.Contracts;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Health;

/// <summary><c>GET /api/health</c>: 200 when storage answers (now, not once at start) within five seconds, 503 otherwise. No key needed.</summary>
public sealed class HealthApi(StorageClients storage)
{
    public async Task<IResult> Health(HttpRequest request)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await storage.EnsureCreatedAsync().WaitAsync(timeout.Token);
            await storage.ProbeAsync(timeout.Token);
            return JsonResponses.Contract(new HealthResponse("healthy", "reachable"));
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return JsonResponses.Contract(new HealthResponse("unhealthy", "unreachable"), 503);
        }
    }
}
