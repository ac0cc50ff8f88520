using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using Json.Schema.Keywords;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>
/// JSON Schema's <c>pattern</c> and <c>patternProperties</c> with bounded time. The library compiles each pattern
/// without a timeout, so a schema such as <c>{"pattern": "^(a+)+$"}</c> could hold a thread for as long as a model
/// output makes it backtrack. Here each match has <see cref="MatchTimeout"/>, and one evaluation of one output has
/// <see cref="EvaluationTimeout"/> for all its matches together (an output may hold thousands of strings).
/// Exceeding either is a <see cref="RegexMatchTimeoutException"/>, which the evaluator reports as its error.
/// </summary>
/// <remarks>
/// The bounded keywords replace the library's in every dialect a schema can name with <c>$schema</c>, through a
/// dialect registry per schema (the library's global registry stays untouched).
/// </remarks>
internal static class BoundedSchemaPatterns
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan EvaluationTimeout = TimeSpan.FromSeconds(1);

    private static readonly Dialect[] Dialects = [.. new[]
    {
        Dialect.Draft06, Dialect.Draft07, Dialect.Draft201909, Dialect.Draft202012, Dialect.V1_2026,
    }.Select(Bounded)];

    /// <summary>The dialect of a schema without <c>$schema</c>: draft 2020-12, as the evaluator documents.</summary>
    public static Dialect Default { get; } = Dialects[3];

    /// <summary>A registry where every official dialect has the bounded keywords; one per schema build.</summary>
    public static DialectRegistry Registry()
    {
        var registry = new DialectRegistry();
        foreach (var dialect in Dialects) registry.Register(dialect);
        // "https://json-schema.org/v1" names the newest v1 dialect, as in the library's own registry.
        registry.Register(Dialects[4].With([], MetaSchemas.V1Id));
        return registry;
    }

    private static Dialect Bounded(Dialect dialect) =>
        dialect.Without([PatternKeyword.Instance, PatternPropertiesKeyword.Instance], dialect.Id)
            .With([BoundedPatternKeyword.Instance, BoundedPatternPropertiesKeyword.Instance], dialect.Id);

    /// <summary>
    /// The deadline of the evaluation running on this thread. Keyword handlers are shared by every schema, and the
    /// library evaluates synchronously on the caller's thread, so the evaluator sets it around each evaluation.
    /// </summary>
    [ThreadStatic]
    private static long _deadline;

    /// <summary>Runs <paramref name="evaluate"/> with <see cref="EvaluationTimeout"/> for all of its pattern matches.</summary>
    public static T WithinDeadline<T>(Func<T> evaluate)
    {
        var outer = _deadline;
        _deadline = Stopwatch.GetTimestamp() + (long)(EvaluationTimeout.TotalSeconds * Stopwatch.Frequency);
        try
        {
            return evaluate();
        }
        finally
        {
            _deadline = outer;
        }
    }

    private static void ThrowIfPastDeadline(Regex regex, string input)
    {
        if (_deadline != 0 && Stopwatch.GetTimestamp() > _deadline)
            throw new RegexMatchTimeoutException(input.Length > 100 ? input[..100] : input, regex.ToString(), EvaluationTimeout);
    }

    public static Regex Compile(string pattern) => new(pattern, RegexOptions.ECMAScript, MatchTimeout);

    public static string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{MatchTimeout.TotalMilliseconds} ms per match and {EvaluationTimeout.TotalMilliseconds} ms per output");

    private sealed class BoundedPatternKeyword : PatternKeyword
    {
        public static new BoundedPatternKeyword Instance { get; } = new();

        public override object? ValidateKeywordValue(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.String) throw new JsonSchemaException($"'{Name}' value must be a string, found {value.ValueKind}");
            return Compile(value.GetString()!);
        }

        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
        {
            if (context.Instance.ValueKind == JsonValueKind.String) ThrowIfPastDeadline((Regex)keyword.Value!, context.Instance.GetString()!);
            return base.Evaluate(keyword, context);
        }
    }

    private sealed class BoundedPatternPropertiesKeyword : PatternPropertiesKeyword
    {
        public static new BoundedPatternPropertiesKeyword Instance { get; } = new();

        public override object? ValidateKeywordValue(JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Object) throw new JsonSchemaException($"'{Name}' value must be an object, found {value.ValueKind}");
            var patterns = new Dictionary<string, Regex>();
            foreach (var property in value.EnumerateObject())
            {
                if (property.Value.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
                    throw new JsonSchemaException("Values must be valid schemas");
                patterns.Add(property.Name, Compile(property.Name));
            }
            return patterns;
        }

        /// <remarks>
        /// The library matches every member name against every pattern in one loop, with no place to check the
        /// deadline in between; so the names are matched here first, with the check between matches. A catastrophic
        /// pattern stops here; a merely slow one runs twice, still within twice the evaluation timeout.
        /// </remarks>
        public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
        {
            if (context.Instance.ValueKind == JsonValueKind.Object)
            {
                var patterns = ((Dictionary<string, Regex>)keyword.Value!).Values;
                foreach (var member in context.Instance.EnumerateObject())
                {
                    foreach (var regex in patterns)
                    {
                        ThrowIfPastDeadline(regex, member.Name);
                        regex.IsMatch(member.Name);
                    }
                }
            }
            return base.Evaluate(keyword, context);
        }
    }
}
