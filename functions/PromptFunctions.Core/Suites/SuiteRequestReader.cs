using PromptFunctions.Core.Storage;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PromptFunctions.Contracts.Suites;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Suites;

/// <summary>
/// Reads a suite definition, checking everything it references as it stands now (the prompt's tag, the dataset,
/// every model connection, the evaluator specs, the CRON expression and time zone) with the experiment request
/// reader, and reporting every fault with its JSON path before anything is stored.
/// </summary>
public sealed class SuiteRequestReader(
    ExperimentRequestReader experiments,
    IExperimentExamples examples,
    SuiteOptimizationOption optimization,
    IOptions<SuitesOptions> options,
    IOptions<ExperimentsOptions> experimentOptions)
{
    public static readonly string[] Members =
        ["prompt", "dataset", "evaluators", "baseline", "candidates", "repetitions", "max_concurrency", "margin", "schedule", "enabled", "optimize_on_regression"];

    /// <summary>The normalized definition, or null with the faults in <paramref name="cursor"/>.</summary>
    public async Task<SuiteDefinition?> ReadAsync(JsonObject body, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        var prompt = await ReadPromptAsync(cursor.Required(body, "$", "prompt"), cursor, cancellationToken);
        var dataset = await ReadDatasetAsync(cursor.Required(body, "$", "dataset"), "$.dataset", cursor, cancellationToken);
        var evaluators = ReadEvaluators(cursor.Required(body, "$", "evaluators"), cursor);
        var baseline = body["baseline"] is { } b && prompt is not null ? ReadModel(b, "$.baseline", prompt.Value.Content, cursor) : null;
        var candidates = ReadCandidates(cursor.Required(body, "$", "candidates"), prompt?.Content, cursor);
        var repetitions = body["repetitions"] is { } r ? cursor.Integer(r, "$.repetitions", 1, experimentOptions.Value.MaxRepetitions) : 1;
        var concurrency = body["max_concurrency"] is { } mc ? cursor.Integer(mc, "$.max_concurrency", 1, experimentOptions.Value.MaxConcurrency) : 20;
        var margin = body["margin"] is { } m ? cursor.Number(m, "$.margin", 0, 1) : SuiteDefinitions.DefaultMargin;
        var schedule = body["schedule"] is { } s ? ReadSchedule(s, cursor) : null;
        var enabled = body["enabled"] is { } e ? cursor.Boolean(e, "$.enabled") : true;
        var optimize = body["optimize_on_regression"] is { } o ? SuiteOptimizationOption.ReadShape(o, cursor) : null;
        if (cursor.Faults.Count > 0 || prompt is null || dataset is null || evaluators is null || candidates is null
            || repetitions is null || concurrency is null || margin is null || enabled is null)
            return null;
        var definition = new SuiteDefinition(prompt.Value.Reference, dataset, evaluators, candidates, baseline, (int)repetitions, (int)concurrency, margin, schedule, enabled);
        // Checked against the rest of the suite, so only once that is valid.
        if (optimize is not null && !await optimization.CheckAsync(definition, optimize, cursor, cancellationToken)) return null;
        definition = definition with { OptimizeOnRegression = optimize };
        // The suite and each run keep the definition in one table property.
        var stored = System.Text.Encoding.UTF8.GetCharCount(SuiteDefinitions.Serialize(definition));
        if (stored <= TableLimits.MaxInlineChars) return definition;
        cursor.Fault("$", $"the definition takes {stored} characters as stored JSON, at most {TableLimits.MaxInlineChars} fit (long evaluator values or invocation parameters?)");
        return null;
    }

    private async Task<(SuitePromptReference Reference, PromptVersionContent Content)?> ReadPromptAsync(JsonNode? node, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        const string Path = "$.prompt";
        var obj = node is null ? null : cursor.Object(node, Path);
        if (obj is null) return null;
        cursor.Closed(obj, Path, "name", "tag");
        var tag = obj["tag"] is { } t ? cursor.String(t, ValidatingJsonReader.Member(Path, "tag")) : SuiteDefinitions.DefaultPromptTag;
        if (tag is null) return null;
        // The experiment reader checks the name, the tag's syntax and that the tag exists now.
        var choice = await experiments.ReadPromptAsync(new JsonObject { ["name"] = obj["name"]?.DeepClone(), ["tag"] = tag }, Path, cursor, cancellationToken);
        return choice is null ? null : (new SuitePromptReference(choice.Name, tag), choice.Content);
    }

    private async Task<SuiteDatasetReference?> ReadDatasetAsync(JsonNode? node, string path, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        var obj = node is null ? null : cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "name", "version", "tag", "split");
        var name = cursor.String(cursor.Required(obj, path, "name"), ValidatingJsonReader.Member(path, "name"));
        var version = obj["version"] is { } v ? cursor.String(v, ValidatingJsonReader.Member(path, "version"), 100) : null;
        var tag = obj["tag"] is { } t ? cursor.String(t, ValidatingJsonReader.Member(path, "tag"), 100) : null;
        var split = obj["split"] is { } s ? cursor.String(s, ValidatingJsonReader.Member(path, "split"), 100) : null;
        if (tag is not null && tag != "latest")
            cursor.Fault(ValidatingJsonReader.Member(path, "tag"), "datasets have no movable tags; give 'version', or 'tag': 'latest' (the newest version when each run starts)");
        if (tag is not null && version is not null) cursor.Fault(path, "give at most one of 'version' and 'tag'");
        if (name is null) return null;
        if (!Identifiers.IsPromptName(name))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "name"), "a dataset name follows the prompt name rule: " + Identifiers.PromptNameRule);
            return null;
        }
        if (await examples.ResolveAsync(name, version, split, cancellationToken) is null)
            cursor.Fault(path, $"dataset '{name}'{(version is null ? "" : $" version '{version}'")}{(split is null ? "" : $" split '{split}'")} does not exist");
        return new SuiteDatasetReference(name, version, tag, split);
    }

    private JsonArray? ReadEvaluators(JsonNode? node, ValidatingJsonReader cursor)
    {
        const string Path = "$.evaluators";
        if (node is null) return null;
        if (cursor.Array(node, Path) is not { } array) return null;
        if (array.Count == 0)
        {
            cursor.Fault(Path, "a suite needs at least one evaluator to reach a verdict");
            return null;
        }
        if (array.Count > options.Value.MaxEvaluators)
        {
            cursor.Fault(Path, $"at most {options.Value.MaxEvaluators} evaluators (Suites:MaxEvaluators); got {array.Count}");
            return null;
        }
        return experiments.ReadEvaluators(array, Path, cursor);
    }

    private List<SuiteModelReference>? ReadCandidates(JsonNode? node, PromptVersionContent? content, ValidatingJsonReader cursor)
    {
        const string Path = "$.candidates";
        if (node is null || cursor.Array(node, Path) is not { } array) return null;
        if (array.Count == 0) cursor.Fault(Path, "name at least one candidate model to compare with the baseline");
        if (array.Count > options.Value.MaxCandidates)
        {
            cursor.Fault(Path, $"at most {options.Value.MaxCandidates} candidates (Suites:MaxCandidates); got {array.Count}");
            return null;
        }
        var candidates = new List<SuiteModelReference>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (content is null) return null;
            if (ReadModel(array[i], ValidatingJsonReader.Index(Path, i), content, cursor) is { } model) candidates.Add(model);
        }
        return candidates.Count == array.Count ? candidates : null;
    }

    /// <summary>
    /// Checked with the experiment reader against the prompt version the tag points at now; stored as written, so
    /// that omitted members keep following the prompt (its model and parameters at each run).
    /// </summary>
    private SuiteModelReference? ReadModel(JsonNode? node, string path, PromptVersionContent content, ValidatingJsonReader cursor)
    {
        if (experiments.ReadModel(node, path, content, cursor) is null) return null;
        var obj = node!.AsObject();
        return new SuiteModelReference((string?)obj["connection"], (string?)obj["model"], obj["invocation_parameters"]?.DeepClone().AsObject());
    }

    private static SuiteSchedule? ReadSchedule(JsonNode node, ValidatingJsonReader cursor)
    {
        const string Path = "$.schedule";
        if (cursor.Object(node, Path) is not { } obj) return null;
        cursor.Closed(obj, Path, "cron", "time_zone");
        var cron = cursor.String(cursor.Required(obj, Path, "cron"), ValidatingJsonReader.Member(Path, "cron"), 200);
        var zone = obj["time_zone"] is { } z ? cursor.String(z, ValidatingJsonReader.Member(Path, "time_zone"), 100) : SuiteCron.Utc;
        if (cron is not null && SuiteCron.TryParse(cron, out var error) is null)
            cursor.Fault(ValidatingJsonReader.Member(Path, "cron"), $"not a five-field CRON expression: {error}");
        if (zone is not null && SuiteCron.FindZone(zone) is null)
            cursor.Fault(ValidatingJsonReader.Member(Path, "time_zone"), $"unknown time zone '{zone}'; use an IANA id such as 'Europe/Paris' or 'UTC'");
        return cron is null || zone is null ? null : new SuiteSchedule(cron, zone);
    }
}
