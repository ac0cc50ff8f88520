using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Evaluation.Text;

namespace PromptFunctions.Evaluation.Specs;

/// <summary>
/// Reads evaluator specs, <c>{"type": ..., "name"?: ..., ...options}</c>, from JSON. Options sit beside type and name;
/// unknown members are rejected, absent options take their defaults, and every fault is reported with its JSON path.
/// A list is an array of specs whose names (the type when no name is given) must be distinct.
/// </summary>
public static class EvaluatorSpecParser
{
    public const int MaxEvaluators = 50;
    public const string NameRule = "an evaluator name has 1-64 characters: lowercase letters, digits, '_' and '-', starting and ending with a letter or digit";

    private static readonly string[] TextOptionNames = ["case_sensitive", "collapse_whitespace", "strip_punctuation", "normalization"];

    /// <summary>Parses a list of specs; throws <see cref="PromptValidationException"/> listing every fault.</summary>
    public static IReadOnlyList<EvaluatorSpec> Parse(JsonNode? node, string path = "$")
    {
        var cursor = new ValidatingJsonReader();
        var specs = Read(node, path, cursor);
        if (cursor.Faults.Count > 0 || specs is null)
            throw new PromptValidationException(cursor.Faults.Count > 0 ? cursor.Faults : [new ValidationFault(path, "invalid evaluator list")]);
        return specs;
    }

    /// <summary>Parses one spec; throws <see cref="PromptValidationException"/> listing every fault.</summary>
    public static EvaluatorSpec ParseOne(JsonNode? node, string path = "$")
    {
        var cursor = new ValidatingJsonReader();
        var spec = ReadOne(node, path, cursor);
        if (cursor.Faults.Count > 0 || spec is null)
            throw new PromptValidationException(cursor.Faults.Count > 0 ? cursor.Faults : [new ValidationFault(path, "invalid evaluator")]);
        return spec;
    }

    /// <summary>Reads a list into <paramref name="cursor"/> without throwing; null when anything is wrong.</summary>
    public static IReadOnlyList<EvaluatorSpec>? Read(JsonNode? node, string path, ValidatingJsonReader cursor) =>
        Read(node, path, cursor, TextOptions.NormalizationSupported);

    public static EvaluatorSpec? ReadOne(JsonNode? node, string path, ValidatingJsonReader cursor) =>
        ReadOne(node, path, cursor, TextOptions.NormalizationSupported);

    internal static IReadOnlyList<EvaluatorSpec>? Read(JsonNode? node, string path, ValidatingJsonReader cursor, bool normalizationSupported)
    {
        var faultsBefore = cursor.Faults.Count;
        var array = cursor.Array(node, path);
        if (array is null) return null;
        if (array.Count > MaxEvaluators)
        {
            cursor.Fault(path, $"at most {MaxEvaluators} evaluators, got {array.Count}");
            return null;
        }
        var specs = new List<EvaluatorSpec>(array.Count);
        var firstPathByName = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = ValidatingJsonReader.Index(path, i);
            var spec = ReadOne(array[i], itemPath, cursor, normalizationSupported);
            if (spec is null) continue;
            if (firstPathByName.TryGetValue(spec.Name, out var firstPath))
            {
                var where = array[i] is JsonObject obj && obj["name"] is not null ? ValidatingJsonReader.Member(itemPath, "name") : itemPath;
                cursor.Fault(where, $"duplicate evaluator name '{spec.Name}' (first at {firstPath}); give each evaluator a distinct name");
                continue;
            }
            firstPathByName[spec.Name] = itemPath;
            specs.Add(spec);
        }
        return cursor.Faults.Count > faultsBefore ? null : specs;
    }

    internal static EvaluatorSpec? ReadOne(JsonNode? node, string path, ValidatingJsonReader cursor, bool normalizationSupported)
    {
        var faultsBefore = cursor.Faults.Count;
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        var typeNode = cursor.Required(obj, path, "type");
        var type = typeNode is null ? null : cursor.String(typeNode, ValidatingJsonReader.Member(path, "type"));
        if (type is null) return null;
        if (!EvaluatorTypes.All.Contains(type, StringComparer.Ordinal))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "type"), $"unknown evaluator type '{type}'; known: {string.Join(", ", EvaluatorTypes.All)}");
            return null;
        }

        var name = type;
        if (obj["name"] is { } nameNode && cursor.String(nameNode, ValidatingJsonReader.Member(path, "name")) is { } given)
        {
            if (Identifiers.IsTagName(given)) name = given;
            else cursor.Fault(ValidatingJsonReader.Member(path, "name"), NameRule);
        }

        var options = new Options(obj, path, cursor, normalizationSupported);
        EvaluatorSpec? spec = type switch
        {
            EvaluatorTypes.ExactMatch => ReadExactMatch(name, options),
            EvaluatorTypes.Contains => ReadContains(name, ContainsMode.One, options),
            EvaluatorTypes.ContainsAny => ReadContains(name, ContainsMode.Any, options),
            EvaluatorTypes.ContainsAll => ReadContains(name, ContainsMode.All, options),
            EvaluatorTypes.Regex => ReadRegex(name, options),
            EvaluatorTypes.JsonValid => ReadJsonValid(name, options),
            EvaluatorTypes.JsonSchema => ReadJsonSchema(name, options),
            EvaluatorTypes.Levenshtein => ReadLevenshtein(name, options),
            EvaluatorTypes.Numeric => ReadNumeric(name, options),
            EvaluatorTypes.LlmJudge => ReadLlmJudge(name, options),
            _ => null,
        };
        return cursor.Faults.Count > faultsBefore ? null : spec;
    }

    private static ExactMatchSpec ReadExactMatch(string name, Options options)
    {
        options.Closed(["value", "trim", .. TextOptionNames]);
        var value = options.String("value", maxLength: 100_000, allowEmpty: true);
        return new ExactMatchSpec(name, options.Text(withTrim: true), value);
    }

    private static ContainsSpec ReadContains(string name, ContainsMode mode, Options options)
    {
        IReadOnlyList<string>? values;
        var negate = false;
        if (mode == ContainsMode.One)
        {
            options.Closed(["value", "negate", .. TextOptionNames]);
            values = options.String("value", maxLength: 10_000, allowEmpty: false) is { } value ? [value] : null;
            negate = options.Bool("negate", false);
        }
        else
        {
            options.Closed(["values", .. TextOptionNames]);
            values = options.StringList("values", maxCount: 100, maxLength: 10_000);
        }
        return new ContainsSpec(name, mode, values, options.Text(withTrim: false), negate);
    }

    private static RegexSpec? ReadRegex(string name, Options options)
    {
        options.Closed(["pattern", "case_sensitive", "full_match", "negate", "timeout_ms"]);
        var pattern = options.RequiredString("pattern", maxLength: 10_000);
        var caseSensitive = options.Bool("case_sensitive", true);
        var fullMatch = options.Bool("full_match", false);
        var negate = options.Bool("negate", false);
        var timeout = options.Integer("timeout_ms", (long)RegexSpec.DefaultTimeout.TotalMilliseconds, 1, 10_000);
        if (pattern is null) return null;
        try
        {
            return new RegexSpec(name, pattern, caseSensitive, fullMatch, negate, TimeSpan.FromMilliseconds(timeout));
        }
        catch (ArgumentException e)
        {
            options.Fault("pattern", $"not a valid .NET regular expression: {e.Message}");
            return null;
        }
    }

    private static JsonValidSpec ReadJsonValid(string name, Options options)
    {
        options.Closed(["strip_code_fence"]);
        return new JsonValidSpec(name, options.Bool("strip_code_fence", false));
    }

    private static JsonSchemaSpec? ReadJsonSchema(string name, Options options)
    {
        options.Closed(["schema", "strip_code_fence"]);
        var stripCodeFence = options.Bool("strip_code_fence", false);
        var schema = options.Required("schema");
        if (schema is null) return null;
        if (schema is not JsonObject && !(schema is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False))
        {
            options.Fault("schema", $"a JSON Schema is an object or a boolean, got {ValidatingJsonReader.Describe(schema)}");
            return null;
        }
        try
        {
            return new JsonSchemaSpec(name, schema, stripCodeFence);
        }
        catch (ArgumentException e)
        {
            options.Fault("schema", $"not a usable JSON Schema: {e.Message}");
            return null;
        }
    }

    private static LevenshteinSpec ReadLevenshtein(string name, Options options)
    {
        options.Closed(["value", "threshold", "trim", .. TextOptionNames]);
        var value = options.String("value", maxLength: 100_000, allowEmpty: true);
        var threshold = options.Number("threshold", 0.8, 0, 1);
        return new LevenshteinSpec(name, threshold, options.Text(withTrim: true), value);
    }

    private static NumericSpec ReadNumeric(string name, Options options)
    {
        options.Closed(["value", "abs_tolerance", "rel_tolerance", "extract"]);
        var value = options.Has("value") ? options.Number("value", 0, -double.MaxValue, double.MaxValue) : (double?)null;
        var absolute = options.Number("abs_tolerance", 0, 0, double.MaxValue);
        var relative = options.Number("rel_tolerance", 0, 0, double.MaxValue);
        var extract = options.Choice("extract", "strict", "strict", "first", "last") switch
        {
            "first" => NumberExtraction.First,
            "last" => NumberExtraction.Last,
            _ => NumberExtraction.Strict,
        };
        return new NumericSpec(name, absolute, relative, extract, value);
    }

    private static LlmJudgeSpec? ReadLlmJudge(string name, Options options)
    {
        options.Closed(["rubric", "pass_threshold", "model", "temperature", "max_output_tokens", "labels", "use_input", "use_expected", "connection"]);
        var rubric = options.RequiredString("rubric", maxLength: 20_000);
        var passThreshold = options.Number("pass_threshold", 0.5, 0, 1);
        var model = options.String("model", maxLength: 200, allowEmpty: false);
        var temperature = options.Number("temperature", 0, 0, 2);
        var maxOutputTokens = (int)options.Integer("max_output_tokens", 512, 16, 16_384);
        var labels = options.StringList("labels", maxCount: 50, maxLength: 100);
        var useInput = options.Bool("use_input", true);
        var useExpected = options.Bool("use_expected", true);
        // The judge's model connection by name (the engine checks it exists); null means the run's own connection.
        var connection = options.String("connection", maxLength: 128, allowEmpty: false);
        return rubric is null ? null : new LlmJudgeSpec(name, rubric, passThreshold, model, temperature, maxOutputTokens, labels, useInput, useExpected, connection);
    }

    /// <summary>Typed access to the options of one spec object; a faulty option records a fault and yields its default.</summary>
    private sealed class Options(JsonObject obj, string path, ValidatingJsonReader cursor, bool normalizationSupported)
    {
        public string PathOf(string name) => ValidatingJsonReader.Member(path, name);

        public void Fault(string name, string message) => cursor.Fault(PathOf(name), message);

        public void Closed(string[] optionNames) => cursor.Closed(obj, path, ["type", "name", .. optionNames]);

        public bool Has(string name) => obj[name] is not null;

        public JsonNode? Required(string name) => cursor.Required(obj, path, name);

        public bool Bool(string name, bool fallback) =>
            obj[name] is { } node ? cursor.Boolean(node, PathOf(name)) ?? fallback : fallback;

        public double Number(string name, double fallback, double min, double max) =>
            obj[name] is { } node ? cursor.Number(node, PathOf(name), min, max) ?? fallback : fallback;

        public long Integer(string name, long fallback, long min, long max) =>
            obj[name] is { } node ? cursor.Integer(node, PathOf(name), min, max) ?? fallback : fallback;

        public string? String(string name, int maxLength, bool allowEmpty) =>
            obj[name] is { } node ? cursor.String(node, PathOf(name), maxLength, allowEmpty) : null;

        public string? RequiredString(string name, int maxLength) =>
            Required(name) is { } node ? cursor.String(node, PathOf(name), maxLength, allowEmpty: false) : null;

        public string Choice(string name, string fallback, params string[] allowed)
        {
            if (obj[name] is not { } node) return fallback;
            var text = cursor.String(node, PathOf(name));
            if (text is null) return fallback;
            if (allowed.Contains(text, StringComparer.Ordinal)) return text;
            Fault(name, $"must be one of {string.Join(", ", allowed)}; got '{text}'");
            return fallback;
        }

        public IReadOnlyList<string>? StringList(string name, int maxCount, int maxLength)
        {
            if (obj[name] is not { } node) return null;
            var array = cursor.Array(node, PathOf(name));
            if (array is null) return null;
            if (array.Count == 0 || array.Count > maxCount)
            {
                Fault(name, $"must have 1 to {maxCount} values, got {array.Count}");
                return null;
            }
            var values = new List<string>(array.Count);
            for (var i = 0; i < array.Count; i++)
            {
                var itemPath = ValidatingJsonReader.Index(PathOf(name), i);
                var text = cursor.String(array[i], itemPath, maxLength, allowEmpty: false);
                if (text is null) continue;
                if (values.Contains(text, StringComparer.Ordinal)) cursor.Fault(itemPath, $"'{text}' appears more than once");
                else values.Add(text);
            }
            return values.Count == array.Count ? values : null;
        }

        public TextOptions Text(bool withTrim)
        {
            var normalization = Choice("normalization", "none", "none", "nfc", "nfd", "nfkc", "nfkd");
            TextOptions.TryParseNormalization(normalization, out var form);
            if (form != UnicodeNormalization.None && !normalizationSupported)
            {
                Fault("normalization", "Unicode normalization is unavailable: this process runs in globalization-invariant mode; use 'none' or run the host with InvariantGlobalization off (ICU)");
                form = UnicodeNormalization.None;
            }
            return new TextOptions
            {
                CaseSensitive = Bool("case_sensitive", true),
                Trim = withTrim && Bool("trim", true),
                CollapseWhitespace = Bool("collapse_whitespace", false),
                StripPunctuation = Bool("strip_punctuation", false),
                Normalization = form,
            };
        }
    }
}
