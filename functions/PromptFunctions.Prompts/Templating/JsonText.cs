using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptFunctions.Prompts.Templating;

/// <summary>JSON text helpers shared by the template engines.</summary>
internal static class JsonText
{
    // Prompts are not HTML: keep '<', '&', quotes and non-ASCII letters readable instead of \u-escaping them.
    private static readonly JsonSerializerOptions CompactOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static string Compact(JsonNode node) => node.ToJsonString(CompactOptions);

    /// <summary>
    /// The string a JSON string value holds. A <see cref="JsonValue"/> built from a CLR value such as a date is a JSON
    /// string too, but cannot be read back as <see cref="string"/> directly, so it goes through its JSON text.
    /// </summary>
    public static string ReadString(JsonValue value)
    {
        if (value.TryGetValue<string>(out var text)) return text;
        using var document = JsonDocument.Parse(value.ToJsonString());
        return document.RootElement.GetString() ?? "";
    }
}
