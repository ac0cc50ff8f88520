using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Http.Phoenix;

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
/// A caller error in Phoenix's own format. Phoenix turns its HTTPExceptions into <c>text/plain</c> bodies holding
/// the detail, and leaves request validation to FastAPI's default handler: 422 with <c>{"detail": [faults]}</c>.
/// </summary>
public sealed class PhoenixException : Exception
{
    public PhoenixException(int status, string detail) : base(detail)
    {
        Status = status;
    }

    public PhoenixException(IReadOnlyList<PhoenixFault> faults) : base(faults.Count > 0 ? faults[0].Message : "validation failed")
    {
        Status = 422;
        Faults = faults;
    }

    public int Status { get; }
    public IReadOnlyList<PhoenixFault>? Faults { get; }

    public static PhoenixException NotFound(string detail) => new(404, detail);

    public static PhoenixException Invalid(string detail) => new(422, detail);

    public static PhoenixException Invalid(IReadOnlyList<object> location, string type, string message) => new([new PhoenixFault(location, type, message)]);

    public IResult ToResult(IReadOnlyDictionary<string, string>? headers = null) => Faults is null
        ? PhoenixResults.Text(Status, Message, headers)
        : new PhoenixErrorResult(Status, JsonBytesResult.Json, JsonResponses.Serialize(new JsonObject
        {
            ["detail"] = new JsonArray(Faults.Select(f => (JsonNode?)f.ToJson()).ToArray()),
        }), headers);
}

/// <summary>An error response on a Phoenix route, already in Phoenix's format.</summary>
public sealed class PhoenixErrorResult(int status, string contentType, byte[] body, IReadOnlyDictionary<string, string>? headers = null) : IResult
{
    public int Status { get; } = status;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = Status;
        JsonBytesResult.ApplyHeaders(response, null, null, null, null, headers);
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }
}

public static class PhoenixResults
{
    /// <summary>Phoenix clients read this header to decide which server features to use.</summary>
    public const string ServerVersionHeader = "x-phoenix-server-version";

    /// <summary>
    /// The Phoenix server version we answer as: the highest minimum version that <c>@arizeai/phoenix-client</c>
    /// 6.14.2 gates a feature on (its <c>serverRequirements</c>), so the client never refuses a call up front.
    /// None of its prompt calls is gated.
    /// </summary>
    public const string ServerVersion = "15.5.0";

    public const string TextPlain = "text/plain; charset=utf-8";

    public static IResult Text(int status, string text, IReadOnlyDictionary<string, string>? headers = null) =>
        new PhoenixErrorResult(status, TextPlain, Encoding.UTF8.GetBytes(text), headers);

    /// <summary>
    /// Puts a problem raised by shared code (the executor's 401/403/500, the body reader's 413/415) into Phoenix's
    /// text form. A body that is not JSON is a FastAPI validation error in Phoenix, so it becomes one here too.
    /// </summary>
    public static IResult FromProblem(ProblemException problem, IReadOnlyDictionary<string, string>? headers = null)
    {
        if (problem.Status == 400)
            return new PhoenixException([new PhoenixFault(["body"], "json_invalid", "JSON decode error", new JsonObject { ["error"] = problem.Detail })]).ToResult(headers);
        // The body reader's own faults (a number beyond the double range, text that is not Unicode) carry pydantic's
        // error type, so they read as the validation errors FastAPI would give, located in the body.
        if (problem is { Status: 422, Errors: { Count: > 0 } errors } && errors.All(e => e.Code is not null))
            return new PhoenixException(errors.Select(e => new PhoenixFault(["body", .. JsonCursor.Segments(e.Path)], e.Code!, e.Message)).ToList()).ToResult(headers);
        return Text(problem.Status, problem.Detail, headers);
    }

    /// <summary>The same for a problem response the executor already produced (it catches its own exceptions).</summary>
    public static IResult FromProblem(JsonBytesResult problem)
    {
        var detail = JsonNode.Parse(problem.Body.Span)?["detail"]?.GetValue<string>() ?? "Error";
        return Text(problem.Status, detail, problem.Headers);
    }

    /// <summary>Adds <see cref="ServerVersionHeader"/> to whatever <paramref name="inner"/> writes.</summary>
    public static IResult WithServerVersion(IResult inner) => new ServerVersionResult(inner);

    private sealed class ServerVersionResult(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[ServerVersionHeader] = ServerVersion;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
