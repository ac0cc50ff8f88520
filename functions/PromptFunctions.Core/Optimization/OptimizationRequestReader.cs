using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Models;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Optimization;

/// <summary>
/// Reads a start request (the body of <c>POST /api/optimizations</c> and of the hook) into a run's
/// <see cref="OptimizationSpec"/>, resolving every reference (prompt version, datasets, connections) and reporting
/// every fault with its JSON path before anything is stored. The prompt, model and evaluators are read exactly as
/// experiments read them.
/// </summary>
public sealed class OptimizationRequestReader(
    ExperimentRequestReader experiments,
    IExperimentExamples datasets,
    OptimizationExamples examples,
    ModelConnections connections,
    IOptions<PromptHubOptions> hub,
    IOptions<OptimizationOptions> options)
{
    public static readonly string[] Members =
        ["prompt", "dataset", "evaluators", "model", "optimizer", "target_tag", "budget", "candidates_per_round", "validation", "guard", "feedback"];

    private const int MaxNoteLength = 2000;

    public async Task<OptimizationSpec?> ReadAsync(JsonObject body, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        var o = options.Value;
        cursor.Closed(body, "$", Members);

        var promptNode = cursor.Required(body, "$", "prompt");
        PromptChoice? prompt = null;
        string? promptTag = null;
        if (promptNode is JsonObject promptObject && (promptObject.ContainsKey("draft") || promptObject.ContainsKey("parent")))
        {
            cursor.Fault("$.prompt", "an optimization starts from a saved version: give {name, tag} or {name, version}");
        }
        else if (promptNode is not null)
        {
            prompt = await experiments.ReadPromptAsync(promptNode, "$.prompt", cursor, cancellationToken);
            promptTag = (promptNode as JsonObject)?["tag"] is JsonValue tag && tag.TryGetValue<string>(out var text) ? text : null;
        }

        var dataset = await ReadDatasetAsync(cursor.Required(body, "$", "dataset"), "$.dataset", allowSplit: false, cursor, cancellationToken);
        var validation = ReadValidation(cursor.Required(body, "$", "validation"), "$.validation", cursor);
        OptimizationSplit? split = null;
        if (dataset is not null && validation is { } v)
        {
            split = await examples.SplitAsync(dataset.Name, dataset.VersionId, v.Split, v.Fraction, v.Seed, cancellationToken);
            if (split is null)
            {
                cursor.Fault("$.validation.split", $"dataset '{dataset.Name}' version {dataset.VersionId} has no split '{v.Split}'");
            }
            else
            {
                if (split.Train.Count == 0) cursor.Fault("$.validation", "leaves no training examples: the optimizer learns from training examples only");
                if (split.Validation.Count < 2) cursor.Fault("$.validation", $"selects {split.Validation.Count} example(s); the paired comparison needs at least 2");
            }
        }

        var model = prompt is null ? null : experiments.ReadModel(body["model"], "$.model", prompt.Content, cursor);
        JsonArray? evaluators = null;
        if (cursor.Required(body, "$", "evaluators") is { } evaluatorsNode)
        {
            evaluators = experiments.ReadEvaluators(evaluatorsNode, "$.evaluators", cursor);
            if (evaluators is { Count: 0 }) cursor.Fault("$.evaluators", "name at least one evaluator: the loop learns from their verdicts");
        }
        var optimizer = ReadOptimizer(cursor.Required(body, "$", "optimizer"), "$.optimizer", cursor);
        var targetTag = ReadTargetTag(body["target_tag"], cursor);
        var budget = ReadBudget(cursor.Required(body, "$", "budget"), "$.budget", cursor);
        var candidates = body["candidates_per_round"] is { } c
            ? (int?)cursor.Integer(c, "$.candidates_per_round", 1, o.MaxCandidatesPerRound)
            : o.DefaultCandidatesPerRound;
        var guard = body["guard"] is { } guardNode ? await ReadDatasetAsync(guardNode, "$.guard", allowSplit: true, cursor, cancellationToken) : null;
        var feedback = body["feedback"] is { } feedbackNode ? ReadFeedback(feedbackNode, split, cursor) : new Dictionary<string, string>();

        if (split is not null && evaluators is { Count: > 0 } && budget is { } b && cursor.Faults.Count == 0)
        {
            // One call per row for the task, one more per LLM judge; the first round cannot run on less than this.
            var callsPerRow = 1 + EvaluatorSpecParser.Parse(evaluators).Count(s => s is LlmJudgeSpec);
            var minimum = (long)(split.Train.Count + split.Validation.Count) * callsPerRow + 1;
            if (b.MaxModelCalls < minimum)
                cursor.Fault("$.budget.max_model_calls",
                    $"{b.MaxModelCalls} cannot pay for the first evaluation of the starting version ({split.Train.Count} training and {split.Validation.Count} validation examples, {callsPerRow} call(s) each) and one optimizer call; give at least {minimum}");
        }

        if (cursor.Faults.Count > 0 || prompt?.Version is null || dataset is null || validation is null || split is null || model is null || evaluators is null
            || optimizer is null || targetTag is null || budget is null || candidates is null || (body["guard"] is not null && guard is null))
            return null;

        return new OptimizationSpec(
            prompt.Name, prompt.Version.Id, prompt.Version.Sequence, promptTag,
            dataset.Name, dataset.VersionId, validation.Value.Split, validation.Value.Fraction, validation.Value.Seed, split.Train.Count, split.Validation.Count,
            guard?.Name, guard?.VersionId, guard?.Split, guard?.Count ?? 0,
            model.Connection, model.Model, model.InvocationParameters, evaluators,
            optimizer.Value.Connection, optimizer.Value.Model,
            targetTag, candidates.Value, budget.Value.MaxRounds, budget.Value.MaxModelCalls, budget.Value.MaxCost, feedback ?? []);
    }

    private sealed record DatasetChoice(string Name, string VersionId, string? Split, int Count);

    private async Task<DatasetChoice?> ReadDatasetAsync(JsonNode? node, string path, bool allowSplit, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        if (node is null) return null;
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        if (allowSplit) cursor.Closed(obj, path, "name", "version", "split");
        else cursor.Closed(obj, path, "name", "version");
        var name = cursor.String(cursor.Required(obj, path, "name"), ValidatingJsonReader.Member(path, "name"));
        var version = obj["version"] is { } v ? cursor.String(v, ValidatingJsonReader.Member(path, "version"), 100) : null;
        var split = allowSplit && obj["split"] is { } s ? cursor.String(s, ValidatingJsonReader.Member(path, "split"), 100) : null;
        if (name is null) return null;
        if (!Identifiers.IsPromptName(name))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "name"), "a dataset name follows the prompt name rule: " + Identifiers.PromptNameRule);
            return null;
        }
        var selection = await datasets.ResolveAsync(name, version, split, cancellationToken);
        if (selection is null)
        {
            cursor.Fault(path, $"dataset '{name}'{(version is null ? "" : $" version '{version}'")}{(split is null ? "" : $" split '{split}'")} does not exist");
            return null;
        }
        if (selection.Count > options.Value.MaxExamples)
        {
            cursor.Fault(path, $"has {selection.Count} examples; an optimization takes at most {options.Value.MaxExamples} (Optimization:MaxExamples)");
            return null;
        }
        if (allowSplit && selection.Count < 2)
        {
            cursor.Fault(path, $"has {selection.Count} example(s); the paired comparison needs at least 2");
            return null;
        }
        return new DatasetChoice(name, selection.VersionId, split, (int)selection.Count);
    }

    /// <summary><c>"split-name"</c>, <c>{"split": ...}</c> or <c>{"fraction": 0.3, "seed"?: 7}</c>.</summary>
    private static (string? Split, double? Fraction, int Seed)? ReadValidation(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        if (node is null) return null;
        if (node is JsonValue value && value.TryGetValue<string>(out _))
        {
            var name = cursor.String(node, path, 100, allowEmpty: false);
            return name is null ? null : (name, null, 0);
        }
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "split", "fraction", "seed");
        var split = obj["split"] is { } s ? cursor.String(s, ValidatingJsonReader.Member(path, "split"), 100, allowEmpty: false) : null;
        var fraction = obj["fraction"] is { } f ? cursor.Number(f, ValidatingJsonReader.Member(path, "fraction"), 0, 1) : null;
        var seed = obj["seed"] is { } sd ? cursor.Integer(sd, ValidatingJsonReader.Member(path, "seed"), int.MinValue, int.MaxValue) : 0;
        if ((obj["split"] is null) == (obj["fraction"] is null))
        {
            cursor.Fault(path, "give either 'split' (a split of the dataset) or 'fraction' (of examples, chosen by a seeded hash of their ids)");
            return null;
        }
        if (obj["split"] is not null && obj["seed"] is not null) cursor.Fault(ValidatingJsonReader.Member(path, "seed"), "'seed' goes with 'fraction'");
        if (fraction is <= 0 or >= 1)
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "fraction"), "must be greater than 0 and less than 1");
            return null;
        }
        if (seed is null || (split is null && fraction is null)) return null;
        return (split, fraction, (int)seed.Value);
    }

    private (string Connection, string? Model)? ReadOptimizer(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        if (node is null) return null;
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "connection", "model");
        var connection = cursor.String(cursor.Required(obj, path, "connection"), ValidatingJsonReader.Member(path, "connection"), 128);
        var model = obj["model"] is { } m ? cursor.String(m, ValidatingJsonReader.Member(path, "model"), 256, allowEmpty: false) : null;
        if (connection is null) return null;
        if (!connections.Exists(connection))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "connection"), $"no model connection named '{connection}'; configured: {string.Join(", ", connections.Names)}");
            return null;
        }
        return (connection, model);
    }

    private string? ReadTargetTag(JsonNode? node, ValidatingJsonReader cursor)
    {
        var tag = node is null ? options.Value.DefaultTargetTag : cursor.String(node, "$.target_tag");
        if (tag is null) return null;
        if (!Identifiers.IsTagName(tag))
        {
            cursor.Fault("$.target_tag", Identifiers.TagNameRule);
            return null;
        }
        var protectedTags = hub.Value.ProtectedTags.Count > 0 ? hub.Value.ProtectedTags : [PromptHubOptions.DefaultProtectedTag];
        if (protectedTags.Contains(tag, StringComparer.Ordinal))
        {
            cursor.Fault("$.target_tag", $"'{tag}' is a protected tag; an optimization proposes versions and never moves a protected tag (promote its result yourself)");
            return null;
        }
        return tag;
    }

    private (int MaxRounds, long MaxModelCalls, double? MaxCost)? ReadBudget(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        if (node is null) return null;
        var o = options.Value;
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "max_rounds", "max_model_calls", "max_cost");
        var before = cursor.Faults.Count;
        var rounds = obj["max_rounds"] is { } r ? cursor.Integer(r, ValidatingJsonReader.Member(path, "max_rounds"), 1, o.MaxRounds) : o.DefaultMaxRounds;
        var calls = obj["max_model_calls"] is { } c ? cursor.Integer(c, ValidatingJsonReader.Member(path, "max_model_calls"), 1, o.MaxModelCalls) : o.DefaultMaxModelCalls;
        double? cost = null;
        if (obj["max_cost"] is { } m)
        {
            cost = cursor.Number(m, ValidatingJsonReader.Member(path, "max_cost"), 0, 1e12);
            if (cost is <= 0) cursor.Fault(ValidatingJsonReader.Member(path, "max_cost"), "must be greater than 0");
        }
        if (cursor.Faults.Count > before || rounds is null || calls is null) return null;
        return ((int)rounds.Value, calls.Value, cost);
    }

    private static Dictionary<string, string>? ReadFeedback(JsonNode node, OptimizationSplit? split, ValidatingJsonReader cursor)
    {
        var obj = cursor.Object(node, "$.feedback");
        if (obj is null) return null;
        var ids = split?.Train.Concat(split.Validation).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var notes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, value) in obj)
        {
            var path = ValidatingJsonReader.Member("$.feedback", id);
            var note = cursor.String(value, path, MaxNoteLength, allowEmpty: false);
            if (note is null) continue;
            if (ids is not null && !ids.Contains(id))
            {
                cursor.Fault(path, $"no example with id '{ApiText(id)}' in the dataset version");
                continue;
            }
            notes[id] = note;
        }
        return notes;
    }

    private static string ApiText(string text) => Http.ApiCall.Printable(text);
}
