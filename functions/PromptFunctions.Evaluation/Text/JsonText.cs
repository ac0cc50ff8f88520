using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PromptFunctions.Evaluation.Text;

/// <summary>How JSON values become text for text-based evaluators and judge prompts.</summary>
public static class JsonText
{
    // Non-ASCII stays as written, so "café" in an expected object compares with "café" in the output, not "caf\u00E9".
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>A JSON string is its own text; any other value is its compact JSON; null (absent) stays null.</summary>
    public static string? ToText(JsonNode? node) =>
        node is null ? null
        : node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>()
        : node.ToJsonString(Compact);

    public static bool IsString(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String;

    /// <summary>
    /// Removes one Markdown code fence around the whole text (<c>```json ... ```</c>), which models often add around
    /// JSON even when asked not to. Text without a surrounding fence is returned trimmed.
    /// </summary>
    public static string StripCodeFence(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.Length < 6 || !trimmed.EndsWith("```", StringComparison.Ordinal))
            return trimmed;
        var firstLineEnd = trimmed.IndexOf('\n');
        if (firstLineEnd < 0) return trimmed;
        var body = trimmed[(firstLineEnd + 1)..^3];
        return body.Trim();
    }
}
