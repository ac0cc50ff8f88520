using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Compatibility.Phoenix;

/// <summary>
/// One FastAPI/pydantic validation error: <c>{type, loc, msg, ctx?}</c>, where <c>loc</c> starts with
/// <c>body</c> or <c>query</c> and continues with member names and array indexes.
/// </summary>
public sealed record PhoenixFault(IReadOnlyList<object> Location, string Type, string Message, JsonObject? Context = null)
{
    public JsonObject ToJson()
    {
        var loc = new JsonArray(Location.Select(segment => segment switch
        {
            int index => (JsonNode?)JsonValue.Create(index),
            _ => JsonValue.Create(segment.ToString()),
        }).ToArray());
        var obj = new JsonObject { ["type"] = Type, ["loc"] = loc, ["msg"] = Message };
        if (Context is not null) obj["ctx"] = Context.DeepClone();
        return obj;
    }
}

/// <summary>
/// A caller error that Phoenix reports in FastAPI's request-validation form (422 with <c>{"detail": [faults]}</c>)
/// rather than as the plain-text detail of its HTTPExceptions.
/// </summary>
public sealed class PhoenixValidationException(IReadOnlyList<PhoenixFault> faults)
    : ProblemException(422, "Validation failed", faults.Count > 0 ? faults[0].Message : "validation failed")
{
    public IReadOnlyList<PhoenixFault> Faults { get; } = faults;
}

/// <summary>Phoenix's errors, raised as problems so the shared envelope handles them like any other.</summary>
public static class PhoenixErrors
{
    public static ProblemException NotFound(string detail) => ProblemException.NotFound(detail);

    /// <summary>Phoenix's plain 422 (an HTTPException with a text detail).</summary>
    public static ProblemException Invalid(string detail) => new(422, "Unprocessable entity", detail);

    public static PhoenixValidationException Invalid(IReadOnlyList<object> location, string type, string message) => new([new PhoenixFault(location, type, message)]);
}

/// <summary>
/// The Phoenix routes' dialect: bearer keys as on the native API; errors as Phoenix writes them, the detail as
/// <c>text/plain</c> or FastAPI's validation JSON; and the server version header on every response, which Phoenix
/// clients read to decide which server features to use.
/// </summary>
public sealed class PhoenixDialect : IApiDialect
{
    public static readonly PhoenixDialect Instance = new();

    public const string ServerVersionHeader = "x-phoenix-server-version";

    /// <summary>
    /// The Phoenix server version we answer as: the highest minimum version that <c>@arizeai/phoenix-client</c>
    /// 6.14.2 gates a feature on (its <c>serverRequirements</c>), so the client never refuses a call up front.
    /// None of its prompt calls is gated.
    /// </summary>
    public const string ServerVersion = "15.5.0";

    public const string TextPlain = "text/plain; charset=utf-8";

    public ApiPrincipal Authenticate(HttpRequest request, ApiKeyAuthenticator keys) => NativeDialect.Instance.Authenticate(request, keys);

    public IResult Error(ProblemException problem, HttpRequest request) => problem switch
    {
        PhoenixValidationException v => new RawResult(v.Status, JsonBytesResult.Json,
            JsonResponses.Serialize(new JsonObject { ["detail"] = new JsonArray(v.Faults.Select(f => (JsonNode?)f.ToJson()).ToArray()) }), v.Headers),
        // The shared body reader's 400 is a body that is not JSON: a FastAPI validation error in Phoenix.
        { Status: 400 } => Error(new PhoenixValidationException([new PhoenixFault(["body"], "json_invalid", "JSON decode error", new JsonObject { ["error"] = problem.Detail })]), request),
        // The body reader's own faults (a number beyond the double range, text that is not Unicode) carry pydantic's
        // error type, so they read as the validation errors FastAPI would give, located in the body.
        { Status: 422, Errors: { Count: > 0 } errors } when errors.All(e => e.Code is not null) =>
            Error(new PhoenixValidationException(errors.Select(e => new PhoenixFault(["body", .. ValidatingJsonReader.Segments(e.Path)], e.Code!, e.Message)).ToList()), request),
        _ => Text(problem.Status, problem.Detail, problem.Status == 401 ? JsonResponses.With(problem.Headers, "WWW-Authenticate", "Bearer realm=\"PromptFunctions\"") : problem.Headers),
    };

    public IResult Complete(IResult result) => new ServerVersionResult(result);

    public static IResult Text(int status, string text, IReadOnlyDictionary<string, string>? headers = null) =>
        new RawResult(status, TextPlain, Encoding.UTF8.GetBytes(text), headers);

    /// <summary>A response in a content type of Phoenix's choosing (its errors are plain text).</summary>
    private sealed class RawResult(int status, string contentType, byte[] body, IReadOnlyDictionary<string, string>? headers) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            JsonBytesResult.ApplyHeaders(response, null, null, null, null, headers);
            response.ContentType = contentType;
            response.ContentLength = body.Length;
            return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }

    private sealed class ServerVersionResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[ServerVersionHeader] = ServerVersion;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
