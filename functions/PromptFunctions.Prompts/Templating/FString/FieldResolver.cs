using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptFunctions.Prompts.Templating.FString;

/// <summary>
/// Resolves a field name against the variables as Python's <c>str.format</c> would against <c>**json.loads(...)</c>,
/// except that anything Python would raise for (a missing key, an index out of range, an attribute that is not there)
/// is reported as a missing variable instead. Two deliberate deviations:
/// <list type="bullet">
/// <item><c>.x</c> on a JSON object reads the key <c>x</c>: JSON objects become dicts, which have no such attributes,
/// and prompt authors mean the key.</item>
/// <item><c>.x</c> on anything else is missing, rather than a Python attribute of str, int or list.</item>
/// </list>
/// As in Python, <c>[0]</c> is an integer index (into a list, or a code point of a string) and never matches an object
/// key, and <c>[key]</c> is a string key that only an object has.
/// </summary>
internal static class FieldResolver
{
    /// <param name="convert">Turns the resolved node into its Python value (the caller may cache it).</param>
    public static bool TryResolve(JsonObject variables, FieldName name, Func<JsonNode?, PyValue> convert, out PyValue value)
    {
        value = PyNone.Instance;
        if (!variables.TryGetPropertyValue(name.ArgName, out var node)) return false;
        foreach (var accessor in name.Accessors)
        {
            if (!TryStep(node, accessor, out node)) return false;
        }
        value = convert(node);
        return true;
    }

    private static bool TryStep(JsonNode? container, FieldAccessor accessor, out JsonNode? result)
    {
        result = null;
        switch (container)
        {
            case JsonObject obj when accessor.Index is null:
                return obj.TryGetPropertyValue(accessor.Key, out result);
            case JsonArray array when accessor.Index is { } index:
                if (index >= array.Count) return false;
                result = array[(int)index];
                return true;
            case JsonValue text when accessor.Index is { } index && text.GetValueKind() == JsonValueKind.String:
                var codePoint = CodePoints.Of(JsonText.ReadString(text)).Skip((int)Math.Min(index, int.MaxValue)).Take(1).ToList();
                if (codePoint.Count == 0) return false;
                result = JsonValue.Create(CodePoints.ToText(codePoint[0]));
                return true;
            default:
                return false;
        }
    }
}
