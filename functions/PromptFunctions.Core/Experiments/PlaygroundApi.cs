using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PromptFunctions.Core.Auth;
using PromptFunctions.Contracts.Experiments;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Experiments;

/// <summary>
/// The quick loop of prompt editing: run a version or a draft on given variables, given examples or up to 20
/// dataset examples synchronously, and return outputs with evaluator results. Nothing is stored except recorded
/// model responses when <c>cache</c> is <c>record</c>.
/// </summary>
public sealed class PlaygroundApi(ApiExecutor executor, ExperimentRequestReader reader, ExperimentEngine engine, IExperimentExamples examples)
{
    public const int MaxExamples = 20;

    public Task<IResult> Run(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.Read, async call =>
    {
        var body = await call.ReadObjectAsync("prompt", "model", "evaluators", "variables", "examples", "dataset", "cache");
        var cursor = new ValidatingJsonReader();
        var prompt = await reader.ReadPromptAsync(cursor.Required(body, "$", "prompt"), "$.prompt", cursor, call.Aborted);
        var model = prompt is null ? null : reader.ReadModel(body["model"], "$.model", prompt.Content, cursor);
        var evaluators = reader.ReadEvaluators(body["evaluators"], "$.evaluators", cursor);
        var cache = ExperimentRequestReader.ReadCacheMode(body["cache"], "$.cache", cursor);
        var sources = new[] { "variables", "examples", "dataset" }.Where(k => body[k] is not null).ToList();
        if (sources.Count != 1) cursor.Fault("$", "give exactly one of 'variables', 'examples' and 'dataset'");
        var rows = sources.Count == 1 ? await ReadRowsAsync(body, sources[0], cursor, call.Aborted) : null;
        if (cursor.Faults.Count > 0 || prompt is null || model is null || evaluators is null || cache is null || rows is null)
            throw ProblemException.Invalid(cursor.Faults);

        var runtime = engine.AdHocRuntime(prompt.Content, model, evaluators, cache.Value, null);
        var results = await Task.WhenAll(rows.Select(row => engine.RunRowAsync(runtime, row, 0, call.Aborted)));
        var data = new List<PlaygroundRow>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var r = ExperimentsApi.Row(results[i]);
            data.Add(new PlaygroundRow(r.ExampleId, r.Index, r.Repetition, r.Output, r.Scores, r.LatencyMs, r.InputTokens, r.OutputTokens, r.Cost, r.Error,
                rows[i].Input.DeepClone(), rows[i].Expected?.DeepClone()));
        }
        return JsonResponses.Contract(new PlaygroundResponse(
            new PlaygroundPrompt(prompt.Name, prompt.VersionId, prompt.DraftJson is not null),
            new ExperimentModel(model.Connection, model.Model, model.InvocationParameters.DeepClone()),
            data,
            ExperimentAggregation.Aggregate(results)));
    });

    private async Task<List<ExperimentExample>?> ReadRowsAsync(JsonObject body, string source, ValidatingJsonReader cursor, CancellationToken cancellationToken)
    {
        switch (source)
        {
            case "variables":
                return cursor.Object(body["variables"], "$.variables") is { } variables
                    ? [new ExperimentExample("variables", 0, (JsonObject)variables.DeepClone(), null, null)]
                    : null;
            case "examples":
            {
                var array = cursor.Array(body["examples"], "$.examples");
                if (array is null) return null;
                if (array.Count is 0 or > MaxExamples)
                {
                    cursor.Fault("$.examples", $"give 1 to {MaxExamples} examples, got {array.Count}");
                    return null;
                }
                var rows = new List<ExperimentExample>();
                for (var i = 0; i < array.Count; i++)
                {
                    var path = ValidatingJsonReader.Index("$.examples", i);
                    if (cursor.Object(array[i], path) is not { } example) continue;
                    cursor.Closed(example, path, "id", "input", "expected", "metadata");
                    var input = cursor.Object(cursor.Required(example, path, "input"), ValidatingJsonReader.Member(path, "input"));
                    var id = example["id"] is { } idNode ? cursor.String(idNode, ValidatingJsonReader.Member(path, "id"), 200) : null;
                    if (input is not null)
                        rows.Add(new ExperimentExample(id ?? $"example-{i}", i, (JsonObject)input.DeepClone(), example["expected"]?.DeepClone(), example["metadata"]?.DeepClone() as JsonObject));
                }
                return rows.Count == array.Count ? rows : null;
            }
            default:
            {
                var path = "$.dataset";
                if (cursor.Object(body["dataset"], path) is not { } obj) return null;
                cursor.Closed(obj, path, "name", "version", "split", "offset", "limit");
                var name = cursor.String(cursor.Required(obj, path, "name"), ValidatingJsonReader.Member(path, "name"));
                var version = obj["version"] is { } v ? cursor.String(v, ValidatingJsonReader.Member(path, "version"), 100) : null;
                var split = obj["split"] is { } s ? cursor.String(s, ValidatingJsonReader.Member(path, "split"), 100) : null;
                var offset = obj["offset"] is { } o ? cursor.Integer(o, ValidatingJsonReader.Member(path, "offset"), 0) : 0;
                var limit = obj["limit"] is { } l ? cursor.Integer(l, ValidatingJsonReader.Member(path, "limit"), 1, MaxExamples) : MaxExamples;
                if (name is null || offset is null || limit is null) return null;
                if (!Identifiers.IsPromptName(name))
                {
                    cursor.Fault(ValidatingJsonReader.Member(path, "name"), Identifiers.PromptNameRule);
                    return null;
                }
                var selection = await examples.ResolveAsync(name, version, split, cancellationToken);
                if (selection is null)
                {
                    cursor.Fault(path, $"dataset '{name}'{(version is null ? "" : $" version '{version}'")}{(split is null ? "" : $" split '{split}'")} does not exist");
                    return null;
                }
                var count = (int)Math.Min(limit.Value, Math.Max(0, selection.Count - offset.Value));
                if (count == 0)
                {
                    cursor.Fault(path, $"the selection has {selection.Count} examples; offset {offset} leaves none");
                    return null;
                }
                return (await examples.ReadAsync(selection, offset.Value, count, cancellationToken)).ToList();
            }
        }
    }
}
