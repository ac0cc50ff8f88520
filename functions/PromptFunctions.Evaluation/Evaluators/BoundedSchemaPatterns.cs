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
/// Three parts: every dialect a schema can name with <c>$schema</c> gets a <c>pattern</c> handler that checks the
/// evaluation's deadline before each match (through a dialect registry per schema; the library's global registry
/// stays untouched); after the build, every compiled pattern of the schema, whatever handler compiled it, is
/// replaced by one with a timeout; and <c>patternProperties</c>, whose handler the library's dialects depend on by
/// type, is guarded by matching the output's member names first, with the deadline checked between matches.
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
        dialect.Without([PatternKeyword.Instance], dialect.Id).With([BoundedPatternKeyword.Instance], dialect.Id);

    /// <summary>
    /// Gives every compiled pattern of <paramref name="schema"/> a timeout and returns the <c>patternProperties</c>
    /// patterns, which <see cref="CheckMemberNames"/> runs first.
    /// </summary>
    public static IReadOnlyList<Regex> Bound(JsonSchema schema)
    {
        var memberPatterns = new List<Regex>();
        var seen = new HashSet<JsonSchemaNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<JsonSchemaNode>([schema.Root]);
        while (pending.TryPop(out var node))
        {
            if (!seen.Add(node)) continue;
            foreach (var keyword in node.Keywords)
            {
                switch (keyword.Value)
                {
                    case Regex regex when keyword.Handler is PatternKeyword:
                        keyword.Value = WithTimeout(regex);
                        break;
                    case Dictionary<string, Regex> patterns when keyword.Handler is PatternPropertiesKeyword:
                        var bounded = patterns.ToDictionary(p => p.Key, p => WithTimeout(p.Value));
                        keyword.Value = bounded;
                        memberPatterns.AddRange(bounded.Values);
                        break;
                }
                foreach (var sub in keyword.Subschemas) pending.Push(sub);
            }
        }
        return memberPatterns;
    }

    private static Regex WithTimeout(Regex regex) => regex.MatchTimeout == MatchTimeout ? regex : Compile(regex.ToString());

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

    /// <summary>
    /// Matches every member name of the output against every <c>patternProperties</c> pattern, checking the deadline
    /// between matches: the library does the same matches (or fewer) in one loop with no place for the check, so a
    /// pattern that would exceed the deadline stops here, and the library's matches then cost at most as much again.
    /// </summary>
    public static void CheckMemberNames(JsonElement instance, IReadOnlyList<Regex> patterns)
    {
        if (patterns.Count == 0) return;
        switch (instance.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in instance.EnumerateObject())
                {
                    foreach (var regex in patterns)
                    {
                        ThrowIfPastDeadline(regex, member.Name);
                        regex.IsMatch(member.Name);
                    }
                    CheckMemberNames(member.Value, patterns);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in instance.EnumerateArray()) CheckMemberNames(item, patterns);
                break;
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
}
