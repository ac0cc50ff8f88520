using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Datasets.Upload;

/// <summary>A validated example before its id is settled and it is written.</summary>
internal sealed record StagedExample(string? GivenId, JsonObject Input, JsonNode? Expected, JsonObject? Metadata, string? Split);

/// <summary>The rules every example obeys, whatever format it arrived in.</summary>
internal static partial class ExampleRows
{
    public const int MaxIdLength = 256;
    public const int MaxSplitLength = 64;
    public const string SplitRule = "a split name has 1-64 characters: letters, digits, '_', '-' and '.', starting with a letter or digit";

    /// <summary>Integers beyond this lose digits as IEEE-754 doubles, which canonical JSON writes numbers as.</summary>
    private const long MaxExactInteger = 9_007_199_254_740_991;

    private static readonly string[] ExampleMembers = ["id", "input", "expected", "metadata", "split"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex SplitPattern();

    public static bool IsSplitName(string? split) => split is not null && SplitPattern().IsMatch(split);

    /// <summary>
    /// True when a JSON Lines record is in example form (as in a JSON body) rather than a flat record of columns:
    /// it has an object <c>input</c> and no member besides id, input, expected, metadata and split.
    /// </summary>
    public static bool IsExampleForm(JsonObject record) =>
        record["input"] is JsonObject && record.All(member => ExampleMembers.Contains(member.Key, StringComparer.Ordinal));

    /// <summary>Reads <c>{id?, input, expected?, metadata?, split?}</c>; null (with faults) when it is not valid.</summary>
    public static StagedExample? FromExampleObject(JsonNode? node, RowLocation at, UploadFaults faults)
    {
        var before = faults.Count;
        if (node is not JsonObject obj)
        {
            at.Fault(faults, "", $"expected an example object, got {ValidatingJsonReader.Describe(node)}");
            return null;
        }
        foreach (var (name, _) in obj)
        {
            if (!ExampleMembers.Contains(name, StringComparer.Ordinal))
                at.Fault(faults, ValidatingJsonReader.Member("", name), $"unknown field '{name}'; allowed: {string.Join(", ", ExampleMembers)}");
        }
        var id = obj["id"] is { } idNode ? ReadId(idNode, ".id", at, faults) : null;
        JsonObject? input = null;
        if (obj["input"] is JsonObject i) input = i;
        else at.Fault(faults, ".input", obj["input"] is null ? "is required" : $"expected an object, got {ValidatingJsonReader.Describe(obj["input"])}");
        var expected = obj["expected"];
        JsonObject? metadata = null;
        if (obj["metadata"] is JsonObject m) metadata = m;
        else if (obj["metadata"] is not null) at.Fault(faults, ".metadata", $"expected an object, got {ValidatingJsonReader.Describe(obj["metadata"])}");
        var split = obj["split"] is { } splitNode ? ReadSplit(splitNode, ".split", at, faults) : null;

        CheckNumbers(input, ".input", at, faults);
        CheckNumbers(expected, ".expected", at, faults);
        CheckNumbers(metadata, ".metadata", at, faults);
        if (faults.Count > before) return null;
        return new StagedExample(id, Detach(obj, "input")!.AsObject(), Detach(obj, "expected"), Detach(obj, "metadata")?.AsObject(), split);
    }

    /// <summary>
    /// Maps one flat record (a CSV row or a JSON Lines object) by <paramref name="plan"/>. Values of CSV rows are
    /// strings, where an empty id, split or expected cell means "none".
    /// </summary>
    public static StagedExample? FromRecord(ColumnPlan plan, IReadOnlyList<JsonNode?> values, RowLocation at, UploadFaults faults, bool fromCsv)
    {
        var before = faults.Count;
        string? id = null;
        string? split = null;
        JsonNode? expected = null;
        JsonObject? expectedObject = null;
        JsonObject? metadata = null;
        var input = new JsonObject();
        for (var c = 0; c < plan.Names.Count; c++)
        {
            var name = plan.Names[c];
            var value = values[c];
            var column = plan.Labels[c];
            switch (plan.Roles[c])
            {
                case ColumnRole.Id:
                    if (!IsAbsent(value)) id = ReadId(value!, column, at, faults);
                    break;
                case ColumnRole.Split:
                    if (!IsAbsent(value)) split = ReadSplit(value!, column, at, faults);
                    break;
                case ColumnRole.Expected:
                    if (!(fromCsv ? IsAbsent(value) : value is null)) expected = value;
                    break;
                case ColumnRole.ExpectedMember:
                    (expectedObject ??= [])[name] = value;
                    break;
                case ColumnRole.Metadata:
                    (metadata ??= [])[name] = value;
                    break;
                case ColumnRole.Input:
                    input[name] = value;
                    break;
            }
        }
        foreach (var missing in plan.MissingInputColumns())
            at.Fault(faults, $"column '{missing}'", "is missing; input_columns names it");

        CheckNumbers(input, ".input", at, faults);
        CheckNumbers(expected ?? expectedObject, ".expected", at, faults);
        CheckNumbers(metadata, ".metadata", at, faults);
        if (faults.Count > before) return null;
        return new StagedExample(id, input, expected ?? expectedObject, metadata, split);
    }

    private static bool IsAbsent(JsonNode? value) =>
        value is null || (value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length == 0);

    /// <summary>An id is a string, or an integer that is kept as its decimal text.</summary>
    private static string? ReadId(JsonNode node, string member, RowLocation at, UploadFaults faults)
    {
        string? id = null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String) id = value.GetValue<string>();
        else if (node is JsonValue number && number.GetValueKind() == JsonValueKind.Number)
        {
            var text = number.TryGetValue<JsonElement>(out var element) ? element.GetRawText() : number.ToJsonString();
            if (text.AsSpan().TrimStart('-').IndexOfAnyExceptInRange('0', '9') >= 0)
            {
                at.Fault(faults, member, $"an id is a string or an integer, got {text}");
                return null;
            }
            id = text;
        }
        else
        {
            at.Fault(faults, member, $"an id is a string or an integer, got {ValidatingJsonReader.Describe(node)}");
            return null;
        }
        if (id.Length is 0 or > MaxIdLength) at.Fault(faults, member, $"an id has 1-{MaxIdLength} characters, got {id.Length}");
        else if (id.Any(char.IsControl)) at.Fault(faults, member, "an id must not contain control characters");
        else return id;
        return null;
    }

    private static string? ReadSplit(JsonNode node, string member, RowLocation at, UploadFaults faults)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            at.Fault(faults, member, $"a split is a string, got {ValidatingJsonReader.Describe(node)}");
            return null;
        }
        var split = value.GetValue<string>();
        if (IsSplitName(split)) return split;
        at.Fault(faults, member, $"'{ApiCall.Printable(split)}' is not a valid split name: {SplitRule}");
        return null;
    }

    private static void CheckNumbers(JsonNode? node, string path, RowLocation at, UploadFaults faults)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj) CheckNumbers(child, ValidatingJsonReader.Member(path, name), at, faults);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) CheckNumbers(array[i], ValidatingJsonReader.Index(path, i), at, faults);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<JsonElement>(out var element):
                var text = element.GetRawText();
                if (text.AsSpan().IndexOfAny(".eE") < 0 && (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) || Math.Abs(integer) > MaxExactInteger))
                    at.Fault(faults, path, $"the integer {text} is beyond ±(2^53-1) and would lose digits; send it as a string");
                break;
        }
    }

    private static JsonNode? Detach(JsonObject parent, string member)
    {
        if (!parent.TryGetPropertyValue(member, out var node) || node is null) return null;
        parent.Remove(member);
        return node;
    }
}

internal enum ColumnRole { Input, Expected, ExpectedMember, Metadata, Split, Id, Ignored }

/// <summary>The role of each column of one header (CSV) or one record (JSON Lines).</summary>
internal sealed class ColumnPlan(IReadOnlyList<string> names, ColumnRole[] roles, IReadOnlyList<string> requiredInputs)
{
    public IReadOnlyList<string> Names { get; } = names;
    public ColumnRole[] Roles { get; } = roles;

    /// <summary>How faults name each column.</summary>
    public string[] Labels { get; } = names.Select(n => $"column '{Http.ApiCall.Printable(n)}'").ToArray();

    /// <summary>Input columns the mapping names explicitly that this record lacks (JSON Lines records vary).</summary>
    public IEnumerable<string> MissingInputColumns() =>
        requiredInputs.Where(required => !Names.Contains(required, StringComparer.Ordinal));
}

/// <summary>
/// Which columns of a CSV file or JSON Lines record become the id, input, expected output, metadata and split,
/// from query parameters. A role without its parameter falls to the column of its name (<c>id</c>, <c>expected</c>,
/// <c>split</c>) unless that column was given another role; columns without a role are input variables, or are
/// dropped when <c>input_columns</c> lists the inputs.
/// </summary>
internal sealed class ColumnMapping
{
    public const string IdParameter = "id_column";
    public const string ExpectedParameter = "expected_column";
    public const string ExpectedColumnsParameter = "expected_columns";
    public const string MetadataParameter = "metadata_columns";
    public const string SplitParameter = "split_column";
    public const string InputParameter = "input_columns";

    public static readonly string[] Parameters = [IdParameter, ExpectedParameter, ExpectedColumnsParameter, MetadataParameter, SplitParameter, InputParameter];

    private string? _id;
    private string? _expected;
    private string[]? _expectedColumns;
    private string[] _metadata = [];
    private string? _split;
    private string[]? _input;
    private readonly Dictionary<string, string> _claimed = new(StringComparer.Ordinal);

    /// <summary>True when the caller mapped any column; JSON Lines records are then never read in example form.</summary>
    public bool IsExplicit { get; private set; }

    public static ColumnMapping FromQuery(IQueryCollection query)
    {
        var mapping = new ColumnMapping();
        mapping._id = Single(query, IdParameter);
        mapping._expected = Single(query, ExpectedParameter);
        mapping._expectedColumns = List(query, ExpectedColumnsParameter);
        mapping._metadata = List(query, MetadataParameter) ?? [];
        mapping._split = Single(query, SplitParameter);
        mapping._input = List(query, InputParameter);
        mapping.IsExplicit = Parameters.Any(p => query.ContainsKey(p));
        if (mapping._expected is not null && mapping._expectedColumns is not null)
            throw ProblemException.BadRequest($"Give '{ExpectedParameter}' or '{ExpectedColumnsParameter}', not both.");

        var claimed = mapping._claimed;
        void Claim(string? column, string parameter)
        {
            if (column is null) return;
            if (claimed.TryGetValue(column, out var other))
                throw ProblemException.BadRequest(other == parameter
                    ? $"'{parameter}' lists column '{ApiCall.Printable(column)}' twice."
                    : $"Column '{ApiCall.Printable(column)}' is given to both '{other}' and '{parameter}'; a column has one role.");
            claimed[column] = parameter;
        }
        Claim(mapping._id, IdParameter);
        Claim(mapping._expected, ExpectedParameter);
        foreach (var c in mapping._expectedColumns ?? []) Claim(c, ExpectedColumnsParameter);
        foreach (var c in mapping._metadata) Claim(c, MetadataParameter);
        Claim(mapping._split, SplitParameter);
        foreach (var c in mapping._input ?? []) Claim(c, InputParameter);
        return mapping;
    }

    /// <summary>
    /// The plan for a CSV header: explicitly named columns must exist (faults under <c>query.{parameter}</c>),
    /// and an upload whose header has no input column is rejected.
    /// </summary>
    public ColumnPlan PlanHeader(IReadOnlyList<string> header, UploadFaults faults)
    {
        void Require(string? column, string parameter)
        {
            if (column is not null && !header.Contains(column, StringComparer.Ordinal))
                faults.Add($"query.{parameter}", $"column '{ApiCall.Printable(column)}' is not in the header (columns: {ApiCall.Printable(string.Join(", ", header))})");
        }
        Require(_id, IdParameter);
        Require(_expected, ExpectedParameter);
        foreach (var c in _expectedColumns ?? []) Require(c, ExpectedColumnsParameter);
        foreach (var c in _metadata) Require(c, MetadataParameter);
        Require(_split, SplitParameter);
        foreach (var c in _input ?? []) Require(c, InputParameter);
        var plan = Plan(header);
        if (!plan.Roles.Contains(ColumnRole.Input)) faults.Add("line 1", "no column is left for the input; name one with input_columns or leave one unmapped");
        return plan;
    }

    /// <summary>The plan for one JSON Lines record, whose members may differ from line to line.</summary>
    public ColumnPlan Plan(IReadOnlyList<string> columns)
    {
        var roles = new ColumnRole[columns.Count];
        var id = _id ?? Default(columns, "id");
        var expected = _expected ?? (_expectedColumns is not null ? null : Default(columns, "expected"));
        var split = _split ?? Default(columns, "split");
        for (var c = 0; c < columns.Count; c++)
        {
            var name = columns[c];
            roles[c] =
                name == id ? ColumnRole.Id :
                name == expected ? ColumnRole.Expected :
                name == split ? ColumnRole.Split :
                _expectedColumns?.Contains(name, StringComparer.Ordinal) == true ? ColumnRole.ExpectedMember :
                _metadata.Contains(name, StringComparer.Ordinal) ? ColumnRole.Metadata :
                _input is null || _input.Contains(name, StringComparer.Ordinal) ? ColumnRole.Input :
                ColumnRole.Ignored;
        }
        return new ColumnPlan(columns, roles, _input ?? []);
    }

    /// <summary>A column named like a role takes it, unless the caller gave that column another role.</summary>
    private string? Default(IReadOnlyList<string> columns, string name) =>
        columns.Contains(name, StringComparer.Ordinal) && !_claimed.ContainsKey(name) ? name : null;

    private static string? Single(IQueryCollection query, string name)
    {
        var values = query[name];
        if (values.Count > 1) throw ProblemException.BadRequest($"Give '{name}' once.");
        if (values.Count == 0) return null;
        var value = values.ToString().Trim();
        if (value.Length == 0) throw ProblemException.BadRequest($"'{name}' names no column.");
        return value;
    }

    private static string[]? List(IQueryCollection query, string name)
    {
        var values = query[name];
        if (values.Count == 0) return null;
        var columns = values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries)).ToArray();
        if (columns.Any(c => c.Length == 0)) throw ProblemException.BadRequest($"'{name}' has an empty column name; separate names with single commas.");
        return columns;
    }
}
