using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Compatibility.Langfuse;

/// <summary>
/// The envelope of the Langfuse-compatible routes: Basic credentials instead of bearer keys, the native roles,
/// and every error in Langfuse's <c>{"message", "error"}</c> form. Handlers throw <see cref="ProblemException"/>
/// like the native ones; only the response shape differs.
/// </summary>
public sealed class LangfuseExecutor(ApiKeyAuthenticator authenticator, IOptions<PromptHubOptions> options, ILogger<LangfuseExecutor> logger)
{
    private const string CredentialsHint =
        "send 'Authorization: Basic base64(publicKey:secretKey)', where secretKey is a PromptFunctions API key and publicKey is that key's name";

    public Task<IResult> RunAsync(HttpRequest request, ApiRoles role, Func<ApiCall, Task<IResult>> handler) =>
        RunAsync(request, role, handler, static (call, handler) => handler(call));

    public async Task<IResult> RunAsync<TState>(HttpRequest request, ApiRoles role, TState state, Func<ApiCall, TState, Task<IResult>> handler)
    {
        try
        {
            var principal = authenticator.AuthenticateBasic(request, out var problem) ?? throw Unauthorized(problem);
            if (!principal.Has(role))
                throw ProblemException.Forbidden($"Key '{principal.Name}' lacks the '{role.ToString().ToLowerInvariant()}' role this operation needs.");
            return await handler(new ApiCall(request, principal, options.Value), state);
        }
        catch (ProblemException problem)
        {
            return LangfuseErrors.Result(problem);
        }
        catch (OperationCanceledException) when (request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return new EmptyResult(499);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Unhandled error in {Method} {Path}", request.Method, request.Path);
            return LangfuseErrors.Result(500, "Internal Server Error", $"The request failed unexpectedly; trace id {request.HttpContext.TraceIdentifier}.");
        }
    }

    private static ProblemException Unauthorized(BasicCredentialsProblem problem) => new(401, "Unauthorized", problem switch
    {
        BasicCredentialsProblem.Missing => $"No credentials: {CredentialsHint}.",
        BasicCredentialsProblem.NotBasic => $"This Langfuse-compatible route takes Basic credentials, not a bearer token or x-api-key: {CredentialsHint}.",
        BasicCredentialsProblem.Malformed => $"The Basic credentials are not base64 of 'publicKey:secretKey': {CredentialsHint}.",
        BasicCredentialsProblem.PublicKeyMismatch => "Invalid credentials: the public key is not the name of the API key the secret key belongs to.",
        _ => "Invalid credentials: the secret key is not a valid API key.",
    });
}

/// <summary>Langfuse's error responses: <c>{"message": text, "error": name}</c> with the status Langfuse uses.</summary>
public static class LangfuseErrors
{
    /// <summary>The name Langfuse gives each status (its error classes); anything else is an invalid request.</summary>
    public static string ErrorName(int status) => status switch
    {
        401 => "UnauthorizedError",
        403 => "ForbiddenError",
        404 => "LangfuseNotFoundError",
        405 => "MethodNotAllowedError",
        >= 500 => "Internal Server Error",
        _ => "InvalidRequestError",
    };

    public static JsonBytesResult Result(ProblemException problem)
    {
        // Langfuse answers every validation failure with 400; the shared body reader's 413 and 415 stay as they are.
        var status = problem.Status == 422 ? 400 : problem.Status;
        var message = problem.Errors is { Count: > 0 } errors
            ? string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}"))
            : problem.Detail;
        return Result(status, message, ErrorName(status));
    }

    public static JsonBytesResult Result(int status, string message, string error)
    {
        var body = JsonResponses.Serialize(new JsonObject { ["message"] = message, ["error"] = error });
        return new JsonBytesResult(status, body)
        {
            Headers = status == 401 ? new Dictionary<string, string> { [HeaderNames.WWWAuthenticate] = "Basic realm=\"PromptFunctions\"" } : null,
        };
    }
}
