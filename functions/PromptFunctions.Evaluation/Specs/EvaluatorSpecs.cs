using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Microsoft.Extensions.AI.Evaluation;
using PromptFunctions.Evaluation.Evaluators;
using PromptFunctions.Evaluation.Text;

namespace PromptFunctions.Evaluation.Specs;

public static class EvaluatorTypes
{
    public const string ExactMatch = "exact_match";
    public const string Contains = "contains";
    public const string ContainsAny = "contains_any";
    public const string ContainsAll = "contains_all";
    public const string Regex = "regex";
    public const string JsonValid = "json_valid";
    public const string JsonSchema = "json_schema";
    public const string Levenshtein = "levenshtein";
    public const string Numeric = "numeric";
    public const string LlmJudge = "llm_judge";

    public static readonly IReadOnlyList<string> All = [ExactMatch, Contains, ContainsAny, ContainsAll, Regex, JsonValid, JsonSchema, Levenshtein, Numeric, LlmJudge];
}

/// <summary>
/// One configured evaluator, every option resolved (defaults included). <see cref="ToJson"/> writes the complete
/// form, which reads back to an equal configuration, so an experiment can record exactly what it ran.
/// </summary>
public abstract record EvaluatorSpec
{
    protected EvaluatorSpec(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    public string Name { get; }

    public abstract string Type { get; }

    /// <summary>True when the evaluator calls a chat model (given through <see cref="ChatConfiguration"/>).</summary>
    public virtual bool RequiresChatClient => false;

    public abstract IEvaluator CreateEvaluator();

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["type"] = Type, ["name"] = Name };
        WriteOptions(json);
        return json;
    }

    protected abstract void WriteOptions(JsonObject json);

    internal static void WriteText(JsonObject json, TextOptions text, bool withTrim)
    {
        json["case_sensitive"] = text.CaseSensitive;
        if (withTrim) json["trim"] = text.Trim;
        json["collapse_whitespace"] = text.CollapseWhitespace;
        json["strip_punctuation"] = text.StripPunctuation;
        json["normalization"] = TextOptions.NormalizationName(text.Normalization);
    }

    internal static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}

public sealed record ExactMatchSpec(string Name, TextOptions Text, string? Value = null) : EvaluatorSpec(Name)
{
    public override string Type => EvaluatorTypes.ExactMatch;

    public override IEvaluator CreateEvaluator() => new ExactMatchEvaluator(this);

    protected override void WriteOptions(JsonObject json)
    {
        if (Value is not null) json["value"] = Value;
        WriteText(json, Text, withTrim: true);
    }
}

public enum ContainsMode
{
    One,
    Any,
    All,
}

/// <param name="Values">From the spec; null means the example's expected value. Exactly one for <see cref="ContainsMode.One"/>.</param>
public sealed record ContainsSpec(string Name, ContainsMode Mode, IReadOnlyList<string>? Values, TextOptions Text, bool Negate = false) : EvaluatorSpec(Name)
{
    public IReadOnlyList<string>? Values { get; } = Values is null || (Values.Count > 0 && (Mode != ContainsMode.One || Values.Count == 1))
        ? Values
        : throw new ArgumentException("contains takes exactly one value, contains_any and contains_all at least one", nameof(Values));

    public override string Type => Mode switch
    {
        ContainsMode.One => EvaluatorTypes.Contains,
        ContainsMode.Any => EvaluatorTypes.ContainsAny,
        _ => EvaluatorTypes.ContainsAll,
    };

    public override IEvaluator CreateEvaluator() => new ContainsEvaluator(this);

    protected override void WriteOptions(JsonObject json)
    {
        if (Values is not null)
        {
            if (Mode == ContainsMode.One) json["value"] = Values[0];
            else json["values"] = Strings(Values);
        }
        if (Mode == ContainsMode.One) json["negate"] = Negate;
        WriteText(json, Text, withTrim: false);
    }
}

public sealed record RegexSpec : EvaluatorSpec
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    /// <exception cref="ArgumentException">The pattern is not a valid .NET regular expression.</exception>
    public RegexSpec(string name, string pattern, bool caseSensitive = true, bool fullMatch = false, bool negate = false, TimeSpan? timeout = null) : base(name)
    {
        Pattern = pattern;
        CaseSensitive = caseSensitive;
        FullMatch = fullMatch;
        Negate = negate;
        Timeout = timeout ?? DefaultTimeout;
        // A full match is anchored in the pattern itself: checking the span of the first match would reject "ab" for
        // "a|ab", whose first match is "a" although the whole text matches.
        Regex = new Regex(fullMatch ? $@"\A(?:{pattern})\z" : pattern,
            RegexOptions.CultureInvariant | (caseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase), Timeout);
    }

    public override string Type => EvaluatorTypes.Regex;

    public string Pattern { get; }
    public bool CaseSensitive { get; }
    public bool FullMatch { get; }
    public bool Negate { get; }
    public TimeSpan Timeout { get; }
    public Regex Regex { get; }

    public override IEvaluator CreateEvaluator() => new RegexEvaluator(this);

    protected override void WriteOptions(JsonObject json)
    {
        json["pattern"] = Pattern;
        json["case_sensitive"] = CaseSensitive;
        json["full_match"] = FullMatch;
        json["negate"] = Negate;
        json["timeout_ms"] = (int)Timeout.TotalMilliseconds;
    }
}

public sealed record JsonValidSpec(string Name, bool StripCodeFence = false) : EvaluatorSpec(Name)
{
    public override string Type => EvaluatorTypes.JsonValid;

    public override IEvaluator CreateEvaluator() => new JsonValidEvaluator(this);

    protected override void WriteOptions(JsonObject json) => json["strip_code_fence"] = StripCodeFence;
}

public sealed record JsonSchemaSpec : EvaluatorSpec
{
    /// <exception cref="ArgumentException">The schema cannot be built (bad keyword value, unresolvable local reference).</exception>
    public JsonSchemaSpec(string name, JsonNode schema, bool stripCodeFence = false) : base(name)
    {
        SchemaJson = schema.DeepClone();
        StripCodeFence = stripCodeFence;
        // A registry per schema: two specs may declare the same $id without clashing, and nothing is fetched from the
        // network when a $ref points outside the schema.
        var registry = new SchemaRegistry { Fetch = static (_, _) => null };
        try
        {
            // Patterns get timeouts in every dialect the schema may name (BoundedSchemaPatterns).
            Schema = JsonSchema.Build(System.Text.Json.JsonSerializer.SerializeToElement(SchemaJson), new BuildOptions
            {
                SchemaRegistry = registry,
                DialectRegistry = BoundedSchemaPatterns.Registry(),
                Dialect = BoundedSchemaPatterns.Default,
            });
            MemberNamePatterns = BoundedSchemaPatterns.Bound(Schema);
        }
        catch (Exception e) when (e is JsonSchemaException or RefResolutionException or System.Text.Json.JsonException or InvalidOperationException or FormatException or UriFormatException)
        {
            throw new ArgumentException(e.Message, nameof(schema), e);
        }
    }

    public override string Type => EvaluatorTypes.JsonSchema;

    public JsonNode SchemaJson { get; }
    public JsonSchema Schema { get; }
    public bool StripCodeFence { get; }

    /// <summary>The schema's <c>patternProperties</c> patterns, matched against member names within a deadline first.</summary>
    internal IReadOnlyList<System.Text.RegularExpressions.Regex> MemberNamePatterns { get; }

    public override IEvaluator CreateEvaluator() => new JsonSchemaEvaluator(this);

    protected override void WriteOptions(JsonObject json)
    {
        json["schema"] = SchemaJson.DeepClone();
        json["strip_code_fence"] = StripCodeFence;
    }
}

public sealed record LevenshteinSpec(string Name, double Threshold, TextOptions Text, string? Value = null) : EvaluatorSpec(Name)
{
    public override string Type => EvaluatorTypes.Levenshtein;

    public override IEvaluator CreateEvaluator() => new LevenshteinEvaluator(this);

    protected override void WriteOptions(JsonObject json)
    {
        if (Value is not null) json["value"] = Value;
        json["threshold"] = Threshold;
        WriteText(json, Text, withTrim: true);
    }
}

public enum NumberExtraction
{
    /// <summary>The whole output, trimmed, is one number.</summary>
    Strict,
    First,
    Last,
}

public sealed record NumericSpec(string Name, double AbsoluteTolerance = 0, double RelativeTolerance = 0, NumberExtraction Extract = NumberExtraction.Strict, double? Value = null) : EvaluatorSpec(Name)
{
    public override string Type => EvaluatorTypes.Numeric;

    public override IEvaluator CreateEvaluator() => new NumericEvaluator(this);

    public static string ExtractionName(NumberExtraction extraction) => extraction switch
    {
        NumberExtraction.Strict => "strict",
        NumberExtraction.First => "first",
        NumberExtraction.Last => "last",
        _ => throw new ArgumentOutOfRangeException(nameof(extraction)),
    };

    protected override void WriteOptions(JsonObject json)
    {
        if (Value is not null) json["value"] = Value;
        json["abs_tolerance"] = AbsoluteTolerance;
        json["rel_tolerance"] = RelativeTolerance;
        json["extract"] = ExtractionName(Extract);
    }
}

public sealed record LlmJudgeSpec(
    string Name,
    string Rubric,
    double PassThreshold = 0.5,
    string? Model = null,
    double Temperature = 0,
    int MaxOutputTokens = 512,
    IReadOnlyList<string>? Labels = null,
    bool UseInput = true,
    bool UseExpected = true,
    string? Connection = null) : EvaluatorSpec(Name)
{
    public override string Type => EvaluatorTypes.LlmJudge;

    public override bool RequiresChatClient => true;

    public override IEvaluator CreateEvaluator() => new LlmJudgeEvaluator(this);

    protected override void WriteOptions(JsonObject json)
    {
        json["rubric"] = Rubric;
        json["pass_threshold"] = PassThreshold;
        if (Model is not null) json["model"] = Model;
        json["temperature"] = Temperature;
        json["max_output_tokens"] = MaxOutputTokens;
        if (Labels is not null) json["labels"] = Strings(Labels);
        json["use_input"] = UseInput;
        json["use_expected"] = UseExpected;
        if (Connection is not null) json["connection"] = Connection;
    }
}
