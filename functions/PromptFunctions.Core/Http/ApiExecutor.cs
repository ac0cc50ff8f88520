using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.Core.Http;

/// <summary>
/// How one family of routes speaks: which credentials it takes and what its errors look like. The native API,
/// the Phoenix API and the Langfuse API share everything else (<see cref="ApiExecutor"/>).
/// </summary>
public interface IApiDialect
{
    /// <summary>The caller, or a 401 <see cref="ProblemException"/> saying what to send.</summary>
    ApiPrincipal Authenticate(HttpRequest request, ApiKeyAuthenticator keys);

    /// <summary>A caller error (or the envelope's own 401/403/500/503) in this dialect's error format.</summary>
    IResult Error(ProblemException problem, HttpRequest request);

    /// <summary>Anything every response of the dialect carries, success or error.</summary>
    IResult Complete(IResult result) => result;
}

/// <summary>
/// The envelope of every API call in both hosts: authenticate and authorize in the route's dialect, run the
/// handler, and turn caller errors into the dialect's error responses, storage outages into 503 and anything else
/// into a logged 500 that reveals nothing.
/// </summary>
public sealed partial class ApiExecutor(ApiKeyAuthenticator authenticator, IOptions<ApiOptions> options, ILogger<ApiExecutor> logger, KeyRateLimiter rateLimiter,
    Audit.AuditLog audit)
{
    public ApiOptions Options => options.Value;

    public Task<IResult> RunAsync(HttpRequest request, IApiDialect dialect, ApiRoles role, Func<ApiCall, Task<IResult>> handler) =>
        RunAsync(request, dialect, role, handler, static (call, handler) => handler(call));

    /// <summary>The same, with the handler's state passed in rather than captured, for allocation-free hot paths.</summary>
    public async Task<IResult> RunAsync<TState>(HttpRequest request, IApiDialect dialect, ApiRoles role, TState state, Func<ApiCall, TState, Task<IResult>> handler)
    {
        IResult result;
        ApiPrincipal? wrote = null;
        try
        {
            var principal = dialect.Authenticate(request, authenticator);
            if (!principal.Has(role))
                throw ProblemException.Forbidden($"Key '{principal.Name}' lacks the '{role.ToString().ToLowerInvariant()}' role this operation needs.");
            rateLimiter.Require(principal);
            result = await handler(new ApiCall(request, principal, options.Value), state);
            // A handler that returned did what was asked (refusals throw), so a write method is a write to log.
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)) wrote = principal;
        }
        catch (ProblemException problem)
        {
            result = dialect.Error(problem, request);
        }
        catch (OperationCanceledException) when (request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            result = new EmptyResult(499);
        }
        catch (Exception e) when (IsStorageOutage(e))
        {
            LogStorageUnavailable(logger, e, request.Method, request.Path);
            result = dialect.Error(ProblemException.Unavailable("Storage is unavailable right now; retry shortly."), request);
        }
        catch (Exception e)
        {
            LogUnhandled(logger, e, request.Method, request.Path);
            result = dialect.Error(new ProblemException(500, "Internal error", $"The request failed unexpectedly; trace id {request.HttpContext.TraceIdentifier}."), request);
        }
        if (wrote is not null) await audit.AppendAsync(request, wrote, result);
        // Results that allow caching set their own Cache-Control over this one when they execute.
        request.HttpContext.Response.Headers.CacheControl = HttpReplies.DefaultCacheControl;
        return dialect.Complete(result);
    }

    /// <summary>
    /// Storage that does not answer, or answers with a server error after the SDK's own retries: the caller can
    /// retry later, so it is a 503, not a 500.
    /// </summary>
    private static bool IsStorageOutage(Exception e) => e switch
    {
        RequestFailedException r => r.Status is 0 or >= 500,
        AggregateException a => a.InnerExceptions.All(IsStorageOutage),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable during {Method} {Path}")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception, string method, PathString path);
}
