using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Model;

// Reading the template: messages, content parts and template syntax.
public static partial class PromptVersionJson
{
    private static PromptTemplate? ReadTemplate(JsonNode node, string path, ValidatingJsonReader cursor)
    {
        // Shorthands: a bare string is a string template, a bare array is the message list of a chat template.
        if (node is JsonValue) return cursor.String(node, path) is { } text ? new StringTemplate(text) : null;
        if (node is JsonArray shorthandMessages) return ReadMessages(shorthandMessages, path, cursor) is { } list ? new ChatTemplate(list) : null;

        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        var type = cursor.String(cursor.Required(obj, path, "type"), ValidatingJsonReader.Member(path, "type"));
        switch (type)
        {
            case null:
                return null;
            case "chat":
                cursor.Closed(obj, path, "type", "messages");
                var messagesNode = cursor.Required(obj, path, "messages");
                if (messagesNode is null) return null;
                var messagesArray = cursor.Array(messagesNode, ValidatingJsonReader.Member(path, "messages"));
                return messagesArray is null ? null : ReadMessages(messagesArray, ValidatingJsonReader.Member(path, "messages"), cursor) is { } messages ? new ChatTemplate(messages) : null;
            case "string":
                cursor.Closed(obj, path, "type", "template");
                var templateNode = cursor.Required(obj, path, "template");
                return templateNode is not null && cursor.String(templateNode, ValidatingJsonReader.Member(path, "template")) is { } text ? new StringTemplate(text) : null;
            default:
                cursor.Fault(ValidatingJsonReader.Member(path, "type"), $"must be 'chat' or 'string', got '{type}'");
                return null;
        }
    }

    private static List<PromptMessage>? ReadMessages(JsonArray array, string path, ValidatingJsonReader cursor)
    {
        if (array.Count == 0)
        {
            cursor.Fault(path, "a chat template needs at least one message");
            return null;
        }
        var messages = new List<PromptMessage>(array.Count);
        var ok = true;
        for (var i = 0; i < array.Count; i++)
        {
            var message = ReadMessage(array[i], ValidatingJsonReader.Index(path, i), cursor);
            if (message is null) ok = false;
            else messages.Add(message);
        }
        return ok ? messages : null;
    }

    private static PromptMessage? ReadMessage(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        if (obj["type"] is { } typeNode)
        {
            var type = cursor.String(typeNode, ValidatingJsonReader.Member(path, "type"));
            if (type == "placeholder")
            {
                cursor.Closed(obj, path, "type", "name");
                var name = cursor.String(cursor.Required(obj, path, "name"), ValidatingJsonReader.Member(path, "name"), 128, allowEmpty: false);
                if (name is not null && !Identifiers.IsPlaceholderName(name))
                {
                    cursor.Fault(ValidatingJsonReader.Member(path, "name"), "a placeholder name starts with a letter and has only letters, digits and underscores");
                    return null;
                }
                return name is null ? null : new PlaceholderMessage(name);
            }
            if (type is not null && type != "message")
            {
                cursor.Fault(ValidatingJsonReader.Member(path, "type"), $"must be 'message' or 'placeholder', got '{type}'");
                return null;
            }
        }
        cursor.Closed(obj, path, "role", "content", "type");
        var roleText = cursor.String(cursor.Required(obj, path, "role"), ValidatingJsonReader.Member(path, "role"));
        MessageRole role = default;
        if (roleText is not null && !TryParseRole(roleText, out role))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "role"), $"must be one of system, developer, user, assistant, tool; got '{roleText}'");
            roleText = null;
        }
        var contentNode = cursor.Required(obj, path, "content");
        var content = contentNode is null ? null : ReadContent(contentNode, ValidatingJsonReader.Member(path, "content"), cursor);
        return roleText is null || content is null ? null : new ChatMessageTemplate(role, content);
    }

    private static MessageContent? ReadContent(JsonNode node, string path, ValidatingJsonReader cursor)
    {
        if (node is JsonValue) return cursor.String(node, path) is { } text ? MessageContent.FromText(text) : null;
        var array = cursor.Array(node, path);
        if (array is null) return null;
        if (array.Count == 0)
        {
            cursor.Fault(path, "content parts must not be empty");
            return null;
        }
        var parts = new List<ContentPart>(array.Count);
        var ok = true;
        for (var i = 0; i < array.Count; i++)
        {
            var part = ReadPart(array[i], ValidatingJsonReader.Index(path, i), cursor);
            if (part is null) ok = false;
            else parts.Add(part);
        }
        return ok ? MessageContent.FromParts(parts) : null;
    }

    private static ContentPart? ReadPart(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        var type = cursor.String(cursor.Required(obj, path, "type"), ValidatingJsonReader.Member(path, "type"));
        switch (type)
        {
            case null:
                return null;
            case "text":
                cursor.Closed(obj, path, "type", "text");
                return cursor.String(cursor.Required(obj, path, "text"), ValidatingJsonReader.Member(path, "text")) is { } text ? new TextPart(text) : null;
            case "tool_call":
            {
                cursor.Closed(obj, path, "type", "tool_call_id", "tool_call");
                var id = cursor.String(cursor.Required(obj, path, "tool_call_id"), ValidatingJsonReader.Member(path, "tool_call_id"), 256);
                var callPath = ValidatingJsonReader.Member(path, "tool_call");
                var call = cursor.Object(cursor.Required(obj, path, "tool_call"), callPath);
                if (call is null || id is null) return null;
                cursor.Closed(call, callPath, "type", "name", "arguments");
                if (call["type"] is { } callType && cursor.String(callType, ValidatingJsonReader.Member(callPath, "type")) is { } callTypeText && callTypeText != "function")
                    cursor.Fault(ValidatingJsonReader.Member(callPath, "type"), $"must be 'function', got '{callTypeText}'");
                var name = cursor.String(cursor.Required(call, callPath, "name"), ValidatingJsonReader.Member(callPath, "name"), 64, allowEmpty: false);
                var arguments = call["arguments"] is { } argumentsNode ? cursor.String(argumentsNode, ValidatingJsonReader.Member(callPath, "arguments")) : "";
                return name is null || arguments is null ? null : new ToolCallPart(id, name, arguments);
            }
            case "tool_result":
            {
                cursor.Closed(obj, path, "type", "tool_call_id", "tool_result");
                var id = cursor.String(cursor.Required(obj, path, "tool_call_id"), ValidatingJsonReader.Member(path, "tool_call_id"), 256);
                return id is null ? null : new ToolResultPart(id, obj["tool_result"]?.DeepClone());
            }
            default:
                cursor.Fault(ValidatingJsonReader.Member(path, "type"), $"must be one of text, tool_call, tool_result; got '{type}'");
                return null;
        }
    }

    private static void CheckTemplateSyntax(PromptTemplate template, TemplateFormat format, string path, bool shorthand, ValidatingJsonReader cursor)
    {
        var engine = TemplateEngines.For(format);
        foreach (var (text, textPath) in TemplateTexts(template, path, shorthand))
        {
            try
            {
                engine.GetVariables(text);
            }
            catch (TemplateSyntaxException e)
            {
                cursor.Fault(textPath, $"{FormatName(format)} syntax error at offset {e.Offset}: {e.Message}");
            }
        }
    }

    /// <summary>Every piece of text that is rendered as a template, with its JSON path in the version document.</summary>
    /// <param name="shorthand">The template was written as a bare string or message array rather than the typed object.</param>
    public static IEnumerable<(string Text, string Path)> TemplateTexts(PromptTemplate template, string path = "$.template", bool shorthand = false)
    {
        switch (template)
        {
            case StringTemplate s:
                yield return (s.Template, shorthand ? path : ValidatingJsonReader.Member(path, "template"));
                break;
            case ChatTemplate chat:
                var messagesPath = shorthand ? path : ValidatingJsonReader.Member(path, "messages");
                for (var i = 0; i < chat.Messages.Count; i++)
                {
                    if (chat.Messages[i] is not ChatMessageTemplate message) continue;
                    var contentPath = ValidatingJsonReader.Member(ValidatingJsonReader.Index(messagesPath, i), "content");
                    if (message.Content.Text is { } text)
                    {
                        yield return (text, contentPath);
                        continue;
                    }
                    for (var p = 0; p < message.Content.Parts!.Count; p++)
                    {
                        if (message.Content.Parts[p] is TextPart part)
                            yield return (part.Text, ValidatingJsonReader.Member(ValidatingJsonReader.Index(contentPath, p), "text"));
                    }
                }
                break;
        }
    }
}
