using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Experiments;

/// <summary>One dataset example as an experiment uses it; <see cref="Index"/> is its position in the selected split.</summary>
public sealed record ExperimentExample(string Id, long Index, JsonObject Input, JsonNode? Expected, JsonObject? Metadata);

/// <param name="VersionId">The dataset version's content id.</param>
/// <param name="Count">Examples in the selected split (all examples when no split is given).</param>
public sealed record DatasetSelection(string Name, string VersionId, string? Split, long Count);

/// <summary>Where an experiment's examples come from.</summary>
public interface IExperimentExamples
{
    /// <summary>The version to run (latest when <paramref name="version"/> is null), or null if the dataset, version or split does not exist.</summary>
    Task<DatasetSelection?> ResolveAsync(string dataset, string? version, string? split, CancellationToken cancellationToken);

    /// <summary>Examples <paramref name="offset"/> .. offset + count - 1 of the selection, in order.</summary>
    Task<IReadOnlyList<ExperimentExample>> ReadAsync(DatasetSelection selection, long offset, int count, CancellationToken cancellationToken);
}

/// <summary>One evaluator's verdict on one output.</summary>
public sealed record EvaluatorScore(string Name, string Type, double? Score, bool? Passed, string? Explanation, string? Error);

/// <summary>Builds the evaluators an experiment asked for.</summary>
public interface IExperimentScorers
{
    /// <summary>Checks evaluator specs, adding every fault to <paramref name="cursor"/> with its JSON path.</summary>
    void Validate(JsonNode? specs, string path, ValidatingJsonReader cursor, Func<string, bool> connectionExists);

    /// <param name="judgeClient">The chat client for an LLM judge's connection (already wrapped with the run's response cache).</param>
    IExperimentScorer Create(JsonArray specs, Func<string, IChatClient> judgeClient);
}

public interface IExperimentScorer
{
    Task<IReadOnlyList<EvaluatorScore>> ScoreAsync(string output, ExperimentExample example, CancellationToken cancellationToken);
}
