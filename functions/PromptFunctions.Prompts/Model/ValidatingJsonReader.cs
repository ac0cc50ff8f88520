using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptFunctions.Prompts.Model;

/// <summary>
/// Reads a closed JSON schema by hand so that every fault is reported with its JSON path, unknown members are
/// rejected, and nothing throws half-way: readers return null on a fault and keep collecting.
/// </summary>
public sealed class ValidatingJsonReader(List<ValidationFault> faults)
{
    public List<ValidationFault> Faults { get; } = faults;

    public ValidatingJsonReader() : this([]) { }

    public void Fault(string path, string message) => Faults.Add(new ValidationFault(path, message));

    public static string Member(string path, string name) =>
        IsPlainName(name) ? $"{path}.{name}" : $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    public static string Index(string path, int index) => $"{path}[{index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>
    /// The steps of a path written by <see cref="Member"/> and <see cref="Index"/>: member names as strings, indexes
    /// as ints (<c>$.a['b c'][2]</c> is <c>a</c>, <c>b c</c>, <c>2</c>). A path in another form yields what parses.
    /// </summary>
    public static IReadOnlyList<object> Segments(string path)
    {
        var segments = new List<object>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] is not ('.' or '[')) end++;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var name = new System.Text.StringBuilder();
                var at = i + 2;
                while (at < path.Length && !(path[at] == '\'' && at + 1 < path.Length && path[at + 1] == ']'))
                {
                    if (path[at] == '\\' && at + 1 < path.Length && path[at + 1] == '\'') at++;
                    name.Append(path[at++]);
                }
                segments.Add(name.ToString());
                i = at + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) break;
                segments.Add(index);
                i = end + 1;
            }
            else
            {
                break;
            }
        }
        return segments;
    }

    private static bool IsPlainName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(name[0]);

    public JsonObject? Object(JsonNode? node, string path)
    {
        if (node is JsonObject obj) return obj;
        Fault(path, $"expected an object, got {Describe(node)}");
        return null;
    }

    public JsonArray? Array(JsonNode? node, string path)
    {
        if (node is JsonArray array) return array;
        Fault(path, $"expected an array, got {Describe(node)}");
        return null;
    }

    public string? String(JsonNode? node, string path, int maxLength = int.MaxValue, bool allowEmpty = true)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (!allowEmpty && text.Length == 0)
            {
                Fault(path, "must not be empty");
                return null;
            }
            if (text.Length > maxLength)
            {
                Fault(path, $"must be at most {maxLength} characters, got {text.Length}");
                return null;
            }
            return text;
        }
        Fault(path, $"expected a string, got {Describe(node)}");
        return null;
    }

    public bool? Boolean(JsonNode? node, string path)
    {
        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            return value.GetValue<bool>();
        Fault(path, $"expected true or false, got {Describe(node)}");
        return null;
    }

    public double? Number(JsonNode? node, string path, double min = double.MinValue, double max = double.MaxValue)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            var number = Json.CanonicalJson.ReadDouble(value);
            if (number < min || number > max)
            {
                Fault(path, $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, got {number.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }
            return number;
        }
        Fault(path, $"expected a number, got {Describe(node)}");
        return null;
    }

    /// <summary>Integers are limited to the range a double holds exactly, because identity hashing goes through doubles.</summary>
    public long? Integer(JsonNode? node, string path, long min = -9007199254740991, long max = 9007199254740991)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            var number = Json.CanonicalJson.ReadDouble(value);
            if (Math.Floor(number) != number)
            {
                Fault(path, $"expected an integer, got {number.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }
            if (number < min || number > max)
            {
                Fault(path, $"must be between {min} and {max}, got {number.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }
            return (long)number;
        }
        Fault(path, $"expected an integer, got {Describe(node)}");
        return null;
    }

    /// <summary>Reports members not in <paramref name="allowed"/>.</summary>
    public void Closed(JsonObject obj, string path, params string[] allowed)
    {
        foreach (var (name, _) in obj)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
                Fault(Member(path, name), $"unknown field '{name}'; allowed: {string.Join(", ", allowed)}");
        }
    }

    /// <summary>Returns the member, or null with a fault when it is required and absent (JSON null counts as absent).</summary>
    public JsonNode? Required(JsonObject obj, string path, string name)
    {
        var node = obj[name];
        if (node is null) Fault(Member(path, name), "is required");
        return node;
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        },
        _ => "an unknown value",
    };
}
