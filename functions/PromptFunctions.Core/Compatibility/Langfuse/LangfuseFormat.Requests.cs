using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Templating;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Compatibility.Langfuse;

// Langfuse create requests into our version content.
public static partial class LangfuseFormat
{
    /// <summary>Validates a create request and maps it to a version; 400 listing every fault.</summary>
    public static LangfuseCreateRequest ReadCreateRequest(JsonNode? body)
    {
        var cursor = new ValidatingJsonReader();
        var obj = cursor.Object(body, "$");
        if (obj is null) throw Invalid(cursor.Faults);

        var name = cursor.String(cursor.Required(obj, "$", "name"), "$.name", allowEmpty: false);
        if (name is not null && NameProblem(name) is { } nameProblem) cursor.Fault("$.name", nameProblem);

        string? type = null;
        if (obj["type"] is { } typeNode)
        {
            type = cursor.String(typeNode, "$.type");
            if (type is not null and not ("text" or "chat")) cursor.Fault("$.type", $"must be 'text' or 'chat', got '{ApiCall.Printable(type)}'");
        }
        var isChat = type == "chat";
        JsonObject? template = null;
        var promptNode = cursor.Required(obj, "$", "prompt");
        if (promptNode is not null)
        {
            if (isChat) template = ReadChatPrompt(promptNode, cursor);
            else if (promptNode is JsonArray && type is null) cursor.Fault("$.type", "a chat prompt (a list of messages) needs \"type\": \"chat\"");
            else if (cursor.String(promptNode, "$.prompt") is { } text) template = new JsonObject { ["type"] = "string", ["template"] = text };
        }

        var labels = obj["labels"] is { } labelsNode ? ReadLabels(labelsNode, "$.labels", cursor) : [];
        // 'latest' always goes to the newest version; it is never stored as a tag.
        labels.Remove(LatestLabel);
        var tags = obj["tags"] is { } tagsNode ? ReadTags(tagsNode, cursor) : null;
        var commitMessage = obj["commitMessage"] is { } messageNode ? cursor.String(messageNode, "$.commitMessage", MaxCommitMessageLength) : null;
        if (cursor.Faults.Count > 0 || template is null) throw Invalid(cursor.Faults);

        var (model, parameters, kept) = SplitConfig(obj["config"]);
        var content = MapContent(template, model, parameters, kept, cursor);
        if (content is not null && kept is JsonObject keptObject && KeepNormalizedOriginals(obj["config"] as JsonObject, content, keptObject))
            content = MapContent(template, model, parameters, kept, cursor);
        if (content is not null && isChat) CheckPlaceholdersAgainstVariables(content, cursor);
        if (cursor.Faults.Count > 0 || content is null) throw Invalid(cursor.Faults);

        return new LangfuseCreateRequest(name!, isChat, content, labels, tags, commitMessage);
    }

    private static JsonObject? ReadChatPrompt(JsonNode node, ValidatingJsonReader cursor)
    {
        if (cursor.Array(node, "$.prompt") is not { } items) return null;
        var messages = new JsonArray();
        for (var i = 0; i < items.Count; i++)
        {
            var path = ValidatingJsonReader.Index("$.prompt", i);
            if (cursor.Object(items[i], path) is not { } item) continue;
            var itemType = item["type"] is { } t ? cursor.String(t, ValidatingJsonReader.Member(path, "type")) : "chatmessage";
            switch (itemType)
            {
                case "placeholder":
                    if (cursor.String(cursor.Required(item, path, "name"), ValidatingJsonReader.Member(path, "name"), 128, allowEmpty: false) is { } placeholder)
                        messages.Add(new JsonObject { ["type"] = "placeholder", ["name"] = placeholder });
                    break;
                case "chatmessage":
                    var role = cursor.String(cursor.Required(item, path, "role"), ValidatingJsonReader.Member(path, "role"));
                    var content = cursor.String(cursor.Required(item, path, "content"), ValidatingJsonReader.Member(path, "content"));
                    if (role is not null && !PromptVersionJson.TryParseRole(role, out _))
                        cursor.Fault(ValidatingJsonReader.Member(path, "role"), $"role '{ApiCall.Printable(role)}' cannot be stored: roles here are system, developer, user, assistant and tool");
                    else if (role is not null && content is not null)
                        messages.Add(new JsonObject { ["role"] = role, ["content"] = content });
                    break;
                case null:
                    break;
                default:
                    cursor.Fault(ValidatingJsonReader.Member(path, "type"), $"must be 'chatmessage' or 'placeholder', got '{ApiCall.Printable(itemType)}'");
                    break;
            }
        }
        return new JsonObject { ["type"] = "chat", ["messages"] = messages };
    }

    private static List<string> ReadTags(JsonNode node, ValidatingJsonReader cursor)
    {
        var tags = new List<string>();
        if (cursor.Array(node, "$.tags") is not { } array) return tags;
        if (array.Count > MaxTags) cursor.Fault("$.tags", $"at most {MaxTags} tags");
        for (var i = 0; i < array.Count; i++)
        {
            if (cursor.String(array[i], ValidatingJsonReader.Index("$.tags", i), MaxTagLength) is { } tag && !tags.Contains(tag, StringComparer.Ordinal)) tags.Add(tag);
        }
        // Tags are stored as JSON in one table property, where escapes (quotes, control and non-ASCII characters)
        // make them longer than they look.
        var stored = MetadataWithTags(null, tags).Length;
        if (stored > TableLimits.MaxInlineChars)
            cursor.Fault("$.tags", $"the tags take {stored} characters as stored JSON (escapes included), at most {TableLimits.MaxInlineChars} fit");
        return tags;
    }

    /// <summary>
    /// Splits a config into our model (name and provider), the invocation parameters we validate, and what is
    /// kept verbatim. <c>provider</c> is kept as well as mapped, so it is read back only when it was sent.
    /// </summary>
    private static (JsonObject? Model, JsonObject Parameters, JsonNode Kept) SplitConfig(JsonNode? config)
    {
        var parameters = new JsonObject();
        // A config that is not an object (Langfuse accepts any JSON) has nothing to map and is kept whole.
        if (config is null) return (null, parameters, new JsonObject());
        if (config is not JsonObject obj) return (null, parameters, config.DeepClone());

        var kept = new JsonObject();
        JsonObject? model = null;
        foreach (var (member, value) in obj)
        {
            if (member == "model" && value is JsonValue modelValue && modelValue.GetValueKind() == JsonValueKind.String)
                model = new JsonObject { ["name"] = modelValue.DeepClone(), ["provider"] = obj["provider"]?.DeepClone() ?? DefaultProvider };
            else if (MappedParameters.Contains(member) && value is not null)
                parameters[member] = value.DeepClone();
            else
                kept[member] = value?.DeepClone();
        }
        return (model, parameters, kept);
    }

    private static PromptVersionContent? MapContent(JsonObject template, JsonObject? model, JsonObject parameters, JsonNode kept, ValidatingJsonReader cursor)
    {
        var document = new JsonObject
        {
            ["template"] = template.DeepClone(),
            ["template_format"] = "mustache",
            ["invocation_parameters"] = parameters.DeepClone(),
            ["metadata"] = new JsonObject { [ConfigMetadataKey] = kept.DeepClone() },
        };
        if (model is not null) document["model"] = model.DeepClone();
        var inner = new ValidatingJsonReader();
        var content = PromptVersionJson.Read(document, "$", inner);
        foreach (var fault in inner.Faults) cursor.Fault(BodyPath(fault.Path), fault.Message);
        return content;
    }

    /// <summary>
    /// Our validation normalizes some parameters (a single <c>stop</c> string becomes a list); the value as sent
    /// is then kept too, and wins on read. Returns whether anything was added.
    /// </summary>
    private static bool KeepNormalizedOriginals(JsonObject? config, PromptVersionContent content, JsonObject kept)
    {
        if (config is null) return false;
        var added = false;
        foreach (var (member, normalized) in content.InvocationParameters)
        {
            if (config[member] is not { } sent || kept.ContainsKey(member)) continue;
            if (CanonicalJson.Serialize(sent).AsSpan().SequenceEqual(CanonicalJson.Serialize(normalized))) continue;
            kept[member] = sent.DeepClone();
            added = true;
        }
        return added;
    }

    private static void CheckPlaceholdersAgainstVariables(PromptVersionContent content, ValidatingJsonReader cursor)
    {
        if (content.Template is not ChatTemplate chat) return;
        var engine = TemplateEngines.For(content.TemplateFormat);
        var variables = chat.Messages.OfType<ChatMessageTemplate>()
            .Where(m => m.Content.Text is not null)
            .SelectMany(m => engine.GetVariables(m.Content.Text!))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var clash in chat.Messages.OfType<PlaceholderMessage>().Select(p => p.Name).Where(variables.Contains).Distinct())
            cursor.Fault("$.prompt", $"'{clash}' is both a placeholder and a variable; placeholder names must differ from variable names");
    }

    private static readonly (string Ours, string Theirs)[] PathPrefixes =
    [
        ("$.template.messages", "$.prompt"),
        ("$.template.template", "$.prompt"),
        ("$.template", "$.prompt"),
        ("$.invocation_parameters", "$.config"),
        ("$.model.provider", "$.config.provider"),
        ("$.model.name", "$.config.model"),
        ("$.model", "$.config"),
        ($"$.metadata.{ConfigMetadataKey}", "$.config"),
    ];

    /// <summary>A fault path in our version document, as a path in the Langfuse request body.</summary>
    private static string BodyPath(string path)
    {
        foreach (var (ours, theirs) in PathPrefixes)
        {
            if (path == ours || path.StartsWith(ours + ".", StringComparison.Ordinal) || path.StartsWith(ours + "[", StringComparison.Ordinal))
                return theirs + path[ours.Length..];
        }
        return path;
    }

    private static ProblemException Invalid(List<ValidationFault> faults) =>
        faults.Count > 0 ? ProblemException.Invalid(faults) : ProblemException.BadRequest("Invalid request data.");

    // ---------------------------------------------------------------------------------------------------------
    // Reading: our records as Langfuse prompts.
}
