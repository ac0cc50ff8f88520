using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using PromptFunctions.Evaluation.Specs;
using PromptFunctions.Evaluation.Text;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>The output is one JSON value (optionally inside a Markdown code fence).</summary>
public sealed class JsonValidEvaluator(JsonValidSpec spec) : LocalOutputEvaluator(spec.Name, EvaluatorTypes.JsonValid)
{
    public JsonValidSpec Spec { get; } = spec;

    protected override EvaluatorScore Score(EvaluationSample sample)
    {
        var text = Spec.StripCodeFence ? JsonText.StripCodeFence(sample.Output) : sample.Output;
        if (string.IsNullOrWhiteSpace(text)) return EvaluatorScore.Fail("the output is empty");
        try
        {
            using var document = JsonDocument.Parse(text, JsonText.DocumentOptions);
            return EvaluatorScore.Pass($"the output is valid JSON ({document.RootElement.ValueKind.ToString().ToLowerInvariant()})");
        }
        catch (JsonException e)
        {
            return EvaluatorScore.Fail($"the output is not valid JSON: {e.Message}");
        }
    }
}

/// <summary>The output is JSON that satisfies a JSON Schema (draft 2020-12 unless the schema says otherwise; formats asserted).</summary>
public sealed class JsonSchemaEvaluator(JsonSchemaSpec spec) : LocalOutputEvaluator(spec.Name, EvaluatorTypes.JsonSchema)
{
    private const int MaxErrors = 5;

    private readonly TimeoutBreaker _timeouts = new();

    public JsonSchemaSpec Spec { get; } = spec;

    protected override EvaluatorScore Score(EvaluationSample sample)
    {
        var text = Spec.StripCodeFence ? JsonText.StripCodeFence(sample.Output) : sample.Output;
        if (string.IsNullOrWhiteSpace(text)) return EvaluatorScore.Fail("the output is empty, not JSON");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, JsonText.DocumentOptions);
        }
        catch (JsonException e)
        {
            return EvaluatorScore.Fail($"the output is not valid JSON: {e.Message}");
        }

        using (document)
        {
            EvaluationResults results;
            if (_timeouts.IsOpen) throw _timeouts.Refusal("the schema's patterns");
            try
            {
                var root = document.RootElement;
                results = BoundedSchemaPatterns.WithinDeadline(() =>
                {
                    BoundedSchemaPatterns.CheckMemberNames(root, Spec.MemberNamePatterns);
                    return Spec.Schema.Evaluate(root, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
                });
            }
            catch (RefResolutionException e)
            {
                throw new EvaluationFailedException($"the schema refers to a schema that is not available: {e.Message}", e);
            }
            catch (RegexMatchTimeoutException e)
            {
                _timeouts.Record();
                throw new EvaluationFailedException(
                    $"a 'pattern' of the schema did not finish within {BoundedSchemaPatterns.Describe()} on this output (a pattern with nested repetition can backtrack exponentially)", e);
            }
            if (results.IsValid) return EvaluatorScore.Pass("the output matches the schema");

            var errors = new List<string>();
            foreach (var detail in results.Details ?? [])
            {
                if (detail.Errors is null) continue;
                foreach (var (keyword, message) in detail.Errors)
                    errors.Add($"at {Location(detail.InstanceLocation.ToString())} {keyword}: {message}");
            }
            if (results.Errors is { } rootErrors)
                foreach (var (keyword, message) in rootErrors) errors.Add($"at {Location("")} {keyword}: {message}");
            var listed = string.Join("; ", errors.Take(MaxErrors));
            var more = errors.Count > MaxErrors ? $"; and {(errors.Count - MaxErrors).ToString(CultureInfo.InvariantCulture)} more" : "";
            return EvaluatorScore.Fail(errors.Count == 0 ? "the output does not match the schema" : $"the output does not match the schema: {listed}{more}");
        }
    }

    private static string Location(string pointer) => pointer.Length == 0 ? "the root" : $"'{pointer}'";
}
