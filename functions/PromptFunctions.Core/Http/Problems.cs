using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Http;

/// <summary>
/// An RFC 9457 problem raised inside a handler; the executor turns it into an <c>application/problem+json</c>
/// response. Handlers throw it for caller errors only, never for storage or programming faults.
/// </summary>
public class ProblemException(int status, string title, string detail, IReadOnlyList<ValidationFault>? errors = null, JsonObject? extensions = null)
    : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string Detail { get; } = detail;
    public IReadOnlyList<ValidationFault>? Errors { get; } = errors;
    public JsonObject? Extensions { get; } = extensions;

    /// <summary>Response headers the problem needs in every dialect, such as <c>Retry-After</c>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public static ProblemException BadRequest(string detail) => new(400, "Bad request", detail);

    public static ProblemException Invalid(IReadOnlyList<ValidationFault> errors, string? detail = null) =>
        new(422, "Validation failed", detail ?? (errors.Count == 1 ? $"{errors[0].Path}: {errors[0].Message}" : $"{errors.Count} problems, first {errors[0].Path}: {errors[0].Message}"), errors);

    public static ProblemException Invalid(string path, string message) => Invalid([new ValidationFault(path, message)]);

    public static ProblemException NotFound(string detail) => new(404, "Not found", detail);

    public static ProblemException Conflict(string detail, JsonObject? extensions = null) => new(409, "Conflict", detail, null, extensions);

    public static ProblemException PreconditionFailed(string detail, JsonObject? extensions = null) => new(412, "Precondition failed", detail, null, extensions);

    public static ProblemException Forbidden(string detail) => new(403, "Forbidden", detail);

    /// <summary>503 with <c>Retry-After</c>: the service cannot answer now, and the same request may work shortly.</summary>
    public static ProblemException Unavailable(string detail, TimeSpan? retryAfter = null) => new(503, "Service unavailable", detail)
    {
        Headers = new Dictionary<string, string>
        {
            ["Retry-After"] = ((int)Math.Ceiling((retryAfter ?? Storage.OptimisticConcurrency.RetryAfter).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    /// <summary>The rows a write needed kept changing under it (many concurrent writers): nothing was changed.</summary>
    public static ProblemException Busy(string what) =>
        Unavailable($"{what} is being changed by many requests at once, and this change could not be applied; nothing was changed. Retry shortly.");

    public JsonObject ToJson(string instance)
    {
        var body = new JsonObject
        {
            ["type"] = $"https://httpstatuses.io/{Status}",
            ["title"] = Title,
            ["status"] = Status,
            ["detail"] = Detail,
            ["instance"] = instance,
        };
        if (Errors is { Count: > 0 })
        {
            body["errors"] = new JsonArray(Errors.Select(e => (JsonNode?)new JsonObject { ["path"] = e.Path, ["message"] = e.Message }).ToArray());
        }
        if (Extensions is not null)
        {
            foreach (var (key, value) in Extensions) body[key] = value?.DeepClone();
        }
        return body;
    }
}
