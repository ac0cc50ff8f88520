using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Client;

/// <summary>An RFC 9457 problem document as the API returns it with every error.</summary>
/// <param name="Type">A URI naming the problem type.</param>
/// <param name="Title">A short summary of the problem type.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What is wrong with this request.</param>
/// <param name="Instance">The request path.</param>
/// <param name="Errors">Validation faults with JSON paths, when the body was invalid.</param>
/// <param name="Extensions">Any other members, e.g. <c>missing_variables</c> or <c>current_version</c>.</param>
public sealed record PromptProblemDetails(
    string? Type,
    string? Title,
    int Status,
    string? Detail,
    string? Instance,
    IReadOnlyList<ValidationFault> Errors,
    JsonObject Extensions)
{
    private static readonly HashSet<string> StandardMembers = ["type", "title", "status", "detail", "instance", "errors"];

    /// <summary>Reads a problem body; null when the body is not a JSON object.</summary>
    internal static PromptProblemDetails? TryParse(ReadOnlySpan<byte> body, int status)
    {
        if (body.IsEmpty) return null;
        JsonObject? obj;
        try
        {
            obj = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (obj is null) return null;

        var errors = new List<ValidationFault>();
        if (obj["errors"] is JsonArray list)
        {
            foreach (var item in list)
            {
                if (item is JsonObject error && Text(error["path"]) is { } path && Text(error["message"]) is { } message)
                    errors.Add(new ValidationFault(path, message));
            }
        }
        var extensions = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (!StandardMembers.Contains(key)) extensions[key] = value?.DeepClone();
        }
        var declaredStatus = obj["status"] is JsonValue s && s.TryGetValue<int>(out var n) ? n : status;
        return new PromptProblemDetails(Text(obj["type"]), Text(obj["title"]), declaredStatus, Text(obj["detail"]), Text(obj["instance"]), errors, extensions);
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}

/// <summary>
/// The base of every error the client raises. Catch a subclass to tell a missing prompt
/// (<see cref="PromptNotFoundException"/>) from a key problem (<see cref="PromptAuthorizationException"/>) from an
/// outage (<see cref="PromptServiceUnavailableException"/>).
/// </summary>
public class PromptFunctionsException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public PromptFunctionsException(string message) : base(message) { }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public PromptFunctionsException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates an exception for a failed request.</summary>
    public PromptFunctionsException(string message, string? promptName, PromptReference? reference, HttpStatusCode? statusCode, PromptProblemDetails? problem, Exception? innerException = null)
        : base(message, innerException)
    {
        PromptName = promptName;
        Reference = reference;
        StatusCode = statusCode;
        Problem = problem;
    }

    /// <summary>The prompt the failed call asked for.</summary>
    public string? PromptName { get; }

    /// <summary>The reference the failed call asked for.</summary>
    public PromptReference? Reference { get; }

    /// <summary>The HTTP status, when the service answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The problem document the service sent, when it sent one.</summary>
    public PromptProblemDetails? Problem { get; }
}

/// <summary>The prompt, tag or version does not exist (404).</summary>
public sealed class PromptNotFoundException(string message, string? promptName, PromptReference? reference, PromptProblemDetails? problem)
    : PromptFunctionsException(message, promptName, reference, HttpStatusCode.NotFound, problem);

/// <summary>
/// The API key is missing or wrong (401, <see cref="IsForbidden"/> false) or lacks the role the call needs (403).
/// Retrying does not help; fix the key.
/// </summary>
public sealed class PromptAuthorizationException(string message, string? promptName, PromptReference? reference, HttpStatusCode statusCode, PromptProblemDetails? problem)
    : PromptFunctionsException(message, promptName, reference, statusCode, problem)
{
    /// <summary>True for 403: the key is valid but lacks a role.</summary>
    public bool IsForbidden => StatusCode == HttpStatusCode.Forbidden;
}

/// <summary>
/// The service could not answer: it was unreachable, timed out, was rate-limited (429) or failed (5xx), after the
/// retries of the resilience pipeline. <see cref="PromptFunctionsException.StatusCode"/> is null when no response
/// arrived; the cause is in <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class PromptServiceUnavailableException(string message, string? promptName, PromptReference? reference, HttpStatusCode? statusCode, PromptProblemDetails? problem, Exception? innerException)
    : PromptFunctionsException(message, promptName, reference, statusCode, problem, innerException);

/// <summary>Rendering a version failed, e.g. a placeholder variable is not a list of messages.</summary>
public class PromptRenderException : PromptFunctionsException
{
    /// <summary>Creates the exception with the faults found, each with the JSON path of the variable at fault.</summary>
    public PromptRenderException(string message, string? promptName, IReadOnlyList<ValidationFault> faults, Exception? innerException = null)
        : base(message, promptName, null, null, null, innerException)
    {
        Faults = faults;
    }

    /// <summary>What is wrong, with JSON paths such as <c>$.variables.history[0].role</c>.</summary>
    public IReadOnlyList<ValidationFault> Faults { get; }
}

/// <summary>
/// Strict rendering found variables the template uses that were not supplied. The server's <c>/render</c> answers
/// the same case with a 422 naming the same variables.
/// </summary>
public sealed class MissingPromptVariablesException(string? promptName, IReadOnlyList<string> missingVariables)
    : PromptRenderException(
        $"The template of prompt '{promptName}' uses variables that were not supplied: {string.Join(", ", missingVariables)}. Supply them, or render with strict: false to render them empty.",
        promptName,
        missingVariables.Select(name => new ValidationFault(ValidatingJsonReader.Member("$.variables", name), "is missing")).ToList())
{
    /// <summary>The missing names in order of first use.</summary>
    public IReadOnlyList<string> MissingVariables { get; } = missingVariables;
}
