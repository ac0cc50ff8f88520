using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Prompts.Json;

/// <summary>
/// The rules of I-JSON (RFC 7493) that every JSON the API accepts is held to, whatever its entry point: request
/// bodies, dataset uploads (JSON and JSON Lines) and everything nested in them, free-form members included. A
/// document that breaks them is a validation fault naming the JSON path, never a value that fails later:
/// <list type="bullet">
/// <item>Numbers must fit an IEEE-754 double. Canonical JSON, and so every content id, writes numbers as doubles,
/// so <c>1e400</c> has no canonical form; it is rejected rather than silently becoming something else. A number
/// that rounds to a finite double (<c>0.1</c>, <c>1e-400</c>, which is 0) is accepted as that double.</item>
/// <item>Strings and member names must be Unicode text: a lone UTF-16 surrogate escape (<c>\ud800</c>) or bytes
/// that are not UTF-8 cannot be read as a string, stored, hashed or sent to a model.</item>
/// </list>
/// </summary>
public static class JsonInput
{
    /// <summary>Pydantic's error type for a non-finite number, for APIs that answer in FastAPI's format.</summary>
    public const string NonFiniteNumberCode = "finite_number";

    /// <summary>Pydantic's error type for text that is not Unicode.</summary>
    public const string InvalidTextCode = "string_unicode";

    /// <summary>The fault of a member name that is not Unicode text.</summary>
    public const string InvalidNameMessage =
        "the member name is not Unicode text: it holds a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair) or bytes that are not UTF-8";

    /// <summary>The fault of a string value that is not Unicode text.</summary>
    public const string InvalidTextMessage =
        "is not Unicode text: it holds a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair) or bytes that are not UTF-8";

    /// <summary>At most this many faults are collected; a document with more is wrong enough to say so early.</summary>
    public const int MaxFaults = 20;

    /// <summary>Every fault of <paramref name="root"/> (up to <see cref="MaxFaults"/>), with paths under <paramref name="path"/>.</summary>
    public static List<ValidationFault> Faults(JsonElement root, string path = "$")
    {
        var faults = new List<ValidationFault>();
        Check(root, path, faults);
        return faults;
    }

    /// <summary>Adds the faults of <paramref name="element"/> to <paramref name="faults"/>; true when it had none.</summary>
    public static bool Check(JsonElement element, string path, List<ValidationFault> faults)
    {
        var before = faults.Count;
        Walk(element, path, faults);
        return faults.Count == before;
    }

    /// <summary>
    /// Parses one JSON value and applies the rules: the node, or null when the value broke them (its faults are in
    /// <paramref name="faults"/>).
    /// </summary>
    /// <exception cref="JsonException">The text is not JSON, or breaks <paramref name="options"/> (depth, duplicate members).</exception>
    public static JsonNode? ParseNode(ReadOnlySpan<byte> utf8, JsonDocumentOptions options, string path, List<ValidationFault> faults, out bool valid)
    {
        JsonElement element;
        try
        {
            element = JsonElement.Parse(utf8, options);
        }
        catch (InvalidOperationException) when (!options.AllowDuplicateProperties)
        {
            // Looking for repeated names decodes every name, so a name that is not text fails there, before the
            // rules can name it; without that check the parse succeeds and the rules report it with its path.
            var lenient = options;
            lenient.AllowDuplicateProperties = true;
            element = JsonElement.Parse(utf8, lenient);
            valid = Check(element, path, faults);
            if (valid) throw;
            return null;
        }
        valid = Check(element, path, faults);
        return valid ? ToNode(element) : null;
    }

    /// <summary>A node over a parsed element, as <see cref="JsonNode.Parse(ReadOnlySpan{byte}, JsonNodeOptions?, JsonDocumentOptions)"/> builds it.</summary>
    public static JsonNode? ToNode(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        JsonValueKind.Null => null,
        _ => JsonValue.Create(element),
    };

    private static void Walk(JsonElement element, string path, List<ValidationFault> faults)
    {
        if (faults.Count >= MaxFaults) return;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!TryReadName(property, out var name))
                    {
                        Add(faults, ValidatingJsonReader.Member(path, name), InvalidTextCode, InvalidNameMessage);
                        continue;
                    }
                    Walk(property.Value, ValidatingJsonReader.Member(path, name), faults);
                    if (faults.Count >= MaxFaults) return;
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, ValidatingJsonReader.Index(path, index++), faults);
                    if (faults.Count >= MaxFaults) return;
                }
                break;
            case JsonValueKind.String:
                if (!IsText(element))
                    Add(faults, path, InvalidTextCode, InvalidTextMessage);
                break;
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
                    Add(faults, path, NonFiniteNumberCode,
                        $"the number {Abbreviate(element)} is outside the range of a 64-bit floating-point number (at most ±1.7976931348623157e308); JSON numbers are read as IEEE-754 doubles, so send it as a string");
                break;
        }
    }

    private static void Add(List<ValidationFault> faults, string path, string code, string message)
    {
        if (faults.Count < MaxFaults) faults.Add(new ValidationFault(path, message, code));
    }

    /// <summary>Most strings are plain UTF-8 without escapes, checked without decoding; only escapes need the decoder.</summary>
    private static bool IsText(JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.IndexOf((byte)'\\') < 0) return Utf8.IsValid(raw);
        try
        {
            _ = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The member's name; when it is not text, its raw JSON spelling (escapes visible) for the path.</summary>
    private static bool TryReadName(JsonProperty property, out string name)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.IndexOf((byte)'\\') < 0 && !Utf8.IsValid(raw))
        {
            name = Encoding.UTF8.GetString(raw);
            return false;
        }
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = Encoding.UTF8.GetString(raw);
            return false;
        }
    }

    private static string Abbreviate(JsonElement number)
    {
        var text = Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(number));
        return text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 20), "...", text.AsSpan(text.Length - 10)) + $" ({text.Length.ToString(CultureInfo.InvariantCulture)} characters)";
    }
}
