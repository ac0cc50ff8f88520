using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PromptFunctions.Contracts.Suites;

namespace PromptFunctions.Contracts.Experiments;

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
