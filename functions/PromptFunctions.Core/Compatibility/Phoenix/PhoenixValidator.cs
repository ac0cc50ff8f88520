using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Compatibility.Phoenix;

/// <summary>
/// Checks a request body against Phoenix's pydantic models and reports every fault the way FastAPI does (error
/// type, location, message), so that Phoenix clients and their users see the errors they know. Numbers and
/// booleans must be JSON numbers and booleans: pydantic's lax coercion of strings is not reproduced.
/// </summary>
public sealed class PhoenixValidator
{
    public List<PhoenixFault> Faults { get; } = [];

    public static object[] At(IReadOnlyList<object> location, object segment) => [.. location, segment];

    public void Fault(IReadOnlyList<object> location, string type, string message, JsonObject? context = null) =>
        Faults.Add(new PhoenixFault(location, type, message, context));

    /// <summary>A member that must be present (JSON null counts as present: the type check decides).</summary>
    public bool Required(JsonObject obj, IReadOnlyList<object> location, string name, out JsonNode? value)
    {
        if (obj.TryGetPropertyValue(name, out value)) return true;
        Fault(At(location, name), "missing", "Field required");
        return false;
    }

    /// <summary>A member that may be absent; <paramref name="nullable"/> members may also be null, which reads as absent.</summary>
    public bool Optional(JsonObject obj, string name, out JsonNode? value, bool nullable = false)
    {
        if (!obj.TryGetPropertyValue(name, out value)) return false;
        return value is not null || !nullable;
    }

    /// <summary>Members outside <paramref name="allowed"/> are errors (models with <c>extra="forbid"</c>).</summary>
    public void Closed(JsonObject obj, IReadOnlyList<object> location, params string[] allowed)
    {
        foreach (var (name, _) in obj)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal)) Fault(At(location, name), "extra_forbidden", "Extra inputs are not permitted");
        }
    }

    public JsonObject? Model(JsonNode? node, IReadOnlyList<object> location, string modelName)
    {
        if (node is JsonObject obj) return obj;
        Fault(location, "model_type", $"Input should be a valid dictionary or instance of {modelName}");
        return null;
    }

    public JsonObject? Dict(JsonNode? node, IReadOnlyList<object> location)
    {
        if (node is JsonObject obj) return obj;
        Fault(location, "dict_type", "Input should be a valid dictionary");
        return null;
    }

    public JsonArray? List(JsonNode? node, IReadOnlyList<object> location, int minItems = 0)
    {
        if (node is not JsonArray array)
        {
            Fault(location, "list_type", "Input should be a valid list");
            return null;
        }
        if (array.Count < minItems)
        {
            Fault(location, "too_short", $"List should have at least {minItems} item after validation, not {array.Count}",
                new JsonObject { ["field_type"] = "List", ["min_length"] = minItems, ["actual_length"] = array.Count });
            return null;
        }
        return array;
    }

    public string? String(JsonNode? node, IReadOnlyList<object> location, int maxLength = int.MaxValue)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            Fault(location, "string_type", "Input should be a valid string");
            return null;
        }
        var text = value.GetValue<string>();
        if (text.Length > maxLength)
        {
            Fault(location, "string_too_long", $"String should have at most {maxLength} characters", new JsonObject { ["max_length"] = maxLength });
            return null;
        }
        return text;
    }

    public string? Identifier(JsonNode? node, IReadOnlyList<object> location, int maxLength)
    {
        var text = String(node, location, maxLength);
        if (text is null) return null;
        // The length was checked above and is at most a prompt name's, so this checks the pattern.
        if (PromptFunctions.Prompts.Identifiers.IsPromptName(text)) return text;
        Fault(location, "string_pattern_mismatch", $"String should match pattern '{IdentifierPattern}'", new JsonObject { ["pattern"] = IdentifierPattern });
        return null;
    }

    public const string IdentifierPattern = "^[a-z0-9]([_a-z0-9-]*[a-z0-9])?$";

    public bool? Boolean(JsonNode? node, IReadOnlyList<object> location)
    {
        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return value.GetValue<bool>();
        Fault(location, "bool_type", "Input should be a valid boolean");
        return null;
    }

    public double? Number(JsonNode? node, IReadOnlyList<object> location)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number) return CanonicalJson.ReadDouble(value);
        Fault(location, "float_type", "Input should be a valid number");
        return null;
    }

    public long? Integer(JsonNode? node, IReadOnlyList<object> location, long? minimum = null)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
        {
            Fault(location, "int_type", "Input should be a valid integer");
            return null;
        }
        var number = CanonicalJson.ReadDouble(value);
        if (Math.Floor(number) != number || Math.Abs(number) > 9007199254740991)
        {
            Fault(location, "int_from_float", "Input should be a valid integer, got a number with a fractional part");
            return null;
        }
        if (minimum is { } min && number < min)
        {
            Fault(location, "greater_than_equal", $"Input should be greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}", new JsonObject { ["ge"] = min });
            return null;
        }
        return (long)number;
    }

    /// <summary>A string enum or literal; pydantic words both as "Input should be 'a', 'b' or 'c'".</summary>
    public string? OneOf(JsonNode? node, IReadOnlyList<object> location, IReadOnlyList<string> values, string type = "enum")
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String && values.Contains(value.GetValue<string>()))
            return value.GetValue<string>();
        Fault(location, type, $"Input should be {Alternatives(values)}", new JsonObject { ["expected"] = Alternatives(values) });
        return null;
    }

    /// <summary>The discriminator of a tagged union, checked against its <paramref name="tags"/>.</summary>
    public string? Tag(JsonNode? node, IReadOnlyList<object> location, IReadOnlyList<string> tags, string discriminator = "type")
    {
        if (node is not JsonObject obj)
        {
            Fault(location, "model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
            return null;
        }
        if (obj[discriminator] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var tag = value.GetValue<string>();
            if (tags.Contains(tag)) return tag;
            Fault(location, "union_tag_invalid",
                $"Input tag '{ApiCall.Printable(tag)}' found using '{discriminator}' does not match any of the expected tags: {string.Join(", ", tags.Select(t => $"'{t}'"))}",
                new JsonObject { ["discriminator"] = $"'{discriminator}'", ["tag"] = tag, ["expected_tags"] = string.Join(", ", tags.Select(t => $"'{t}'")) });
            return null;
        }
        Fault(location, "union_tag_not_found", $"Unable to extract tag using discriminator '{discriminator}'", new JsonObject { ["discriminator"] = $"'{discriminator}'" });
        return null;
    }

    /// <summary>Every item a string; returns the array as given.</summary>
    public JsonArray? Strings(JsonNode? node, IReadOnlyList<object> location)
    {
        var array = List(node, location);
        if (array is null) return null;
        var before = Faults.Count;
        for (var i = 0; i < array.Count; i++) String(array[i], At(location, i));
        return Faults.Count == before ? array : null;
    }

    private static string Alternatives(IReadOnlyList<string> values) => values.Count switch
    {
        1 => $"'{values[0]}'",
        _ => string.Join(", ", values.Take(values.Count - 1).Select(v => $"'{v}'")) + $" or '{values[^1]}'",
    };
}
