using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptFunctions.Prompts.Templating.Mustache;

/// <summary>
/// The data a mustache template sees. JSON is converted into these few types so that Stubble's renderer and our own
/// missing-variable walk resolve names through one definition (<see cref="MustacheSemantics"/>), and so that every
/// value already knows its rendered text: Stubble interpolates with <c>ToString()</c>.
/// </summary>
internal static class MustacheView
{
    public static MustacheObject FromJson(JsonObject variables) => (MustacheObject)FromNode(variables);

    private static object FromNode(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return MustacheScalar.Null;
            case JsonObject obj:
            {
                var result = new MustacheObject(obj);
                foreach (var (name, value) in obj) result[name] = FromNode(value);
                return result;
            }
            case JsonArray array:
            {
                var result = new MustacheList(array);
                foreach (var item in array) result.Add(FromNode(item));
                return result;
            }
            default:
                return FromValue((JsonValue)node);
        }
    }

    private static object FromValue(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => JsonText.ReadString(value),
        JsonValueKind.Number => MustacheScalar.Number(value.ToJsonString()),
        JsonValueKind.True => MustacheScalar.True,
        JsonValueKind.False => MustacheScalar.False,
        _ => MustacheScalar.Null,
    };
}

/// <summary>A JSON object: a context frame whose members are looked up by exact name.</summary>
internal sealed class MustacheObject(JsonObject source) : Dictionary<string, object>(StringComparer.Ordinal)
{
    /// <summary>Interpolating an object directly renders it as compact JSON.</summary>
    public override string ToString() => JsonText.Compact(source);
}

/// <summary>A JSON array: sections iterate it; interpolating it directly renders compact JSON.</summary>
/// <remarks>
/// Stubble iterates a section's list through <see cref="IEnumerable"/>; this re-implementation counts every item
/// visited against the render's budget, so an empty section nested over one list still pays for its iterations.
/// </remarks>
internal sealed class MustacheList(JsonArray source) : List<object>, IEnumerable
{
    public override string ToString() => JsonText.Compact(source);

    IEnumerator IEnumerable.GetEnumerator()
    {
        foreach (var item in this)
        {
            StubbleMustacheRenderer.VisitItem();
            yield return item;
        }
    }
}

/// <summary>A JSON number, boolean or null, carrying its rendered text and its truthiness.</summary>
internal sealed class MustacheScalar
{
    private MustacheScalar(string text, bool isTruthy)
    {
        Text = text;
        IsTruthy = isTruthy;
    }

    public static MustacheScalar True { get; } = new("true", true);
    public static MustacheScalar False { get; } = new("false", false);

    /// <summary>
    /// JSON null is a value of its own rather than a CLR null: Stubble treats a CLR null as "not found here" and
    /// keeps searching outer contexts, whereas a key that is present with a null value must shadow outer ones.
    /// </summary>
    public static MustacheScalar Null { get; } = new("", false);

    /// <summary>Numbers keep their JSON text, so rendering never depends on a culture or on double rounding.</summary>
    public static MustacheScalar Number(string jsonText) =>
        new(jsonText, double.Parse(jsonText, NumberStyles.Float, CultureInfo.InvariantCulture) != 0);

    public string Text { get; }

    /// <summary>mustache.js rules: <c>0</c>, <c>false</c> and <c>null</c> are falsy.</summary>
    public bool IsTruthy { get; }

    public override string ToString() => Text;
}
