using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PromptFunctions.Contracts.Suites;

namespace PromptFunctions.Contracts.Experiments;

/// <summary>What an experiment ran, how far it is, and (once completed) its aggregates.</summary>
public sealed record ExperimentInfo(
    string Id,
    string? Name,
    string? Description,
    JsonNode? Metadata,
    string Status,
    ExperimentPrompt Prompt,
    ExperimentDataset Dataset,
    ExperimentModel Model,
    JsonNode? Evaluators,
    int Repetitions,
    int MaxConcurrency,
    string Cache,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? Error,
    string? PromotedVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ExperimentProgress? Progress,
    JsonNode? Aggregates)
{
    /// <summary>Where to poll; set only on the answer to a start.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StatusUrl { get; init; }
}

/// <summary>The prompt an experiment ran: a saved version, or a draft with the version it was derived from.</summary>
/// <param name="Tag">The tag the version was resolved from, when the request named one.</param>
public sealed record ExperimentPrompt(string Name, string Version, long? Sequence, string? Tag, JsonNode? Draft, string? DraftParent);

/// <summary>The dataset version (and split) an experiment ran over.</summary>
public sealed record ExperimentDataset(string Name, string Version, string? Split, long Examples);

/// <summary>The model connection, model and parameters an experiment ran with.</summary>
public sealed record ExperimentModel(string Connection, string Model, JsonNode? InvocationParameters);

/// <summary>Rows done (example × repetition), of how many, and how many failed.</summary>
public sealed record ExperimentProgress(long Done, long Total, long Errors);

/// <summary>One row result: an example at one repetition, with its output, scores, latency, tokens and cost.</summary>
public record ExperimentRowInfo(
    string ExampleId,
    long Index,
    int Repetition,
    string? Output,
    JsonNode? Scores,
    double LatencyMs,
    long InputTokens,
    long OutputTokens,
    double Cost,
    string? Error);

/// <summary>A playground row: the result with the input and expected output it ran on.</summary>
public sealed record PlaygroundRow(
    string ExampleId,
    long Index,
    int Repetition,
    string? Output,
    JsonNode? Scores,
    double LatencyMs,
    long InputTokens,
    long OutputTokens,
    double Cost,
    string? Error,
    JsonNode? Input,
    JsonNode? Expected)
    : ExperimentRowInfo(ExampleId, Index, Repetition, Output, Scores, LatencyMs, InputTokens, OutputTokens, Cost, Error);

/// <summary>The prompt a playground run used: a saved version, or a draft.</summary>
public sealed record PlaygroundPrompt(string Name, string? Version, bool Draft);

/// <summary><c>POST /api/playground</c>.</summary>
public sealed record PlaygroundResponse(PlaygroundPrompt Prompt, ExperimentModel Model, IReadOnlyList<PlaygroundRow> Results, JsonNode? Aggregates);

/// <summary>The prompt of an experiment: a tag, a version (id or <c>v{n}</c>), or neither for the latest.</summary>
public sealed record ExperimentPromptReference(
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Version = null);

/// <summary>The examples of an experiment: a dataset version (latest when omitted), optionally one split.</summary>
public sealed record ExperimentDatasetReference(
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Version = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Split = null);

/// <summary>The body of <c>POST /api/experiments</c> (the members the .NET client sends; drafts and caching are left to their defaults).</summary>
public sealed record StartExperimentRequest(
    ExperimentPromptReference Prompt,
    ExperimentDatasetReference Dataset,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonArray? Evaluators = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SuiteModelReference? Model = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Repetitions = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrency = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null);

/// <summary>Where an experiment stands: <c>queued</c>, <c>running</c>, <c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
public sealed record ExperimentStatusResponse(string Id, string Status, string? Error = null);
