using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Model;

/// <summary>
/// The one JSON shape of <see cref="PromptVersionContent"/>: reading validates a closed schema and reports every
/// fault with its path; writing emits the normalized form whose canonical bytes define the version id.
/// </summary>
public static partial class PromptVersionJson
{
    /// <summary>The members of a version's content document, and the only ones it may have.</summary>
    public static readonly string[] ContentMembers =
        ["template", "template_format", "model", "invocation_parameters", "tools", "response_format", "description", "metadata"];

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    public static string FormatName(TemplateFormat format) => format switch
    {
        TemplateFormat.Mustache => "mustache",
        TemplateFormat.FString => "f_string",
        TemplateFormat.None => "none",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static bool TryParseFormat(string? text, out TemplateFormat format)
    {
        switch (text)
        {
            case "mustache": format = TemplateFormat.Mustache; return true;
            case "f_string": format = TemplateFormat.FString; return true;
            case "none": format = TemplateFormat.None; return true;
            default: format = default; return false;
        }
    }

    public static string RoleName(MessageRole role) => role switch
    {
        MessageRole.System => "system",
        MessageRole.Developer => "developer",
        MessageRole.User => "user",
        MessageRole.Assistant => "assistant",
        MessageRole.Tool => "tool",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParseRole(string? text, out MessageRole role)
    {
        switch (text)
        {
            case "system": role = MessageRole.System; return true;
            case "developer": role = MessageRole.Developer; return true;
            case "user": role = MessageRole.User; return true;
            case "assistant": role = MessageRole.Assistant; return true;
            case "tool": role = MessageRole.Tool; return true;
            default: role = default; return false;
        }
    }

    /// <summary>Lowercase hex SHA-256 of the canonical JSON (RFC 8785) of <see cref="ToJson"/>.</summary>
    public static string ComputeId(PromptVersionContent content) => CanonicalJson.Sha256Hex(ToJson(content));

    public static byte[] ToCanonicalBytes(PromptVersionContent content) => CanonicalJson.Serialize(ToJson(content));

    /// <summary>Parses and validates; throws <see cref="PromptValidationException"/> listing every fault.</summary>
    public static PromptVersionContent Parse(JsonNode? node, string path = "$")
    {
        var cursor = new ValidatingJsonReader();
        var content = Read(node, path, cursor);
        if (cursor.Faults.Count > 0 || content is null)
            throw new PromptValidationException(cursor.Faults.Count > 0 ? cursor.Faults : [new ValidationFault(path, "invalid prompt version")]);
        return content;
    }
}
