using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Compatibility.Langfuse;

/// <summary>
/// The Langfuse-compatible routes' dialect: Basic credentials instead of bearer keys (the public key is the API
/// key's name, the secret key the API key), and every error in Langfuse's <c>{"message", "error"}</c> form.
/// </summary>
public sealed class LangfuseDialect : IApiDialect
{
    public static readonly LangfuseDialect Instance = new();

    private const string CredentialsHint =
        "send 'Authorization: Basic base64(publicKey:secretKey)', where secretKey is a PromptFunctions API key and publicKey is that key's name";

    public ApiPrincipal Authenticate(HttpRequest request, ApiKeyAuthenticator keys) =>
        keys.AuthenticateBasic(request, out var problem) ?? throw Unauthorized(problem);

    public IResult Error(ProblemException problem, HttpRequest request) => LangfuseErrors.Result(problem);

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
        return Result(status, message, ErrorName(status), problem.Headers);
    }

    public static JsonBytesResult Result(int status, string message, string error, IReadOnlyDictionary<string, string>? headers = null)
    {
        var body = JsonResponses.Serialize(new JsonObject { ["message"] = message, ["error"] = error });
        return new JsonBytesResult(status, body)
        {
            Headers = status == 401 ? JsonResponses.With(headers, HeaderNames.WWWAuthenticate, "Basic realm=\"PromptFunctions\"") : headers,
        };
    }
}
