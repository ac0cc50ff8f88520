using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Model;

/// <summary>
/// The one JSON shape of <see cref="PromptVersionContent"/>: reading validates a closed schema and reports every
/// fault with its path; writing emits the normalized form whose canonical bytes define the version id.
/// </summary>
public static class PromptVersionJson
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

    /// <summary>Reads into <paramref name="cursor"/> without throwing; returns null when anything is wrong.</summary>
    public static PromptVersionContent? Read(JsonNode? node, string path, ValidatingJsonReader cursor)
    {
        var faultsBefore = cursor.Faults.Count;
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, ContentMembers);

        var format = TemplateFormat.Mustache;
        if (obj["template_format"] is { } formatNode)
        {
            var text = cursor.String(formatNode, ValidatingJsonReader.Member(path, "template_format"));
            if (text is not null && !TryParseFormat(text, out format))
                cursor.Fault(ValidatingJsonReader.Member(path, "template_format"), $"must be one of mustache, f_string, none; got '{text}'");
        }

        var templateNode = cursor.Required(obj, path, "template");
        var template = templateNode is null ? null : ReadTemplate(templateNode, ValidatingJsonReader.Member(path, "template"), cursor);
        // Faults point into the document as the caller wrote it, shorthand or not.
        if (template is not null) CheckTemplateSyntax(template, format, ValidatingJsonReader.Member(path, "template"), templateNode is not JsonObject, cursor);

        var model = obj["model"] is { } modelNode ? ReadModel(modelNode, ValidatingJsonReader.Member(path, "model"), cursor) : null;
        var parameters = obj["invocation_parameters"] is { } parametersNode
            ? ReadInvocationParameters(parametersNode, ValidatingJsonReader.Member(path, "invocation_parameters"), cursor)
            : [];
        var tools = obj["tools"] is { } toolsNode ? ReadTools(toolsNode, ValidatingJsonReader.Member(path, "tools"), cursor) : null;
        var responseFormat = obj["response_format"] is { } rfNode ? ReadResponseFormat(rfNode, ValidatingJsonReader.Member(path, "response_format"), cursor) : null;
        var description = obj["description"] is { } descriptionNode ? cursor.String(descriptionNode, ValidatingJsonReader.Member(path, "description"), 10_000) : null;
        var metadata = obj["metadata"] is { } metadataNode ? cursor.Object(metadataNode, ValidatingJsonReader.Member(path, "metadata")) : null;

        if (cursor.Faults.Count > faultsBefore || template is null) return null;
        return new PromptVersionContent
        {
            Template = template,
            TemplateFormat = format,
            Model = model,
            InvocationParameters = parameters ?? [],
            Tools = tools,
            ResponseFormat = responseFormat,
            Description = description,
            Metadata = (JsonObject?)metadata?.DeepClone(),
        };
    }

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

    private static ModelReference? ReadModel(JsonNode node, string path, ValidatingJsonReader cursor)
    {
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "provider", "name");
        var provider = cursor.String(cursor.Required(obj, path, "provider"), ValidatingJsonReader.Member(path, "provider"));
        if (provider is not null && !ModelProviders.All.Contains(provider))
        {
            cursor.Fault(ValidatingJsonReader.Member(path, "provider"), $"must be one of {string.Join(", ", ModelProviders.All)}; got '{provider}'");
            provider = null;
        }
        var name = cursor.String(cursor.Required(obj, path, "name"), ValidatingJsonReader.Member(path, "name"), 256, allowEmpty: false);
        return provider is null || name is null ? null : new ModelReference(provider, name);
    }

    private static readonly string[] ReasoningEfforts = ["none", "minimal", "low", "medium", "high", "xhigh"];

    private static JsonObject? ReadInvocationParameters(JsonNode node, string path, ValidatingJsonReader cursor)
    {
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        var result = new JsonObject();
        foreach (var (name, value) in obj)
        {
            var memberPath = ValidatingJsonReader.Member(path, name);
            switch (name)
            {
                case InvocationParameterNames.Temperature:
                    if (cursor.Number(value, memberPath, 0, 2) is { } temperature) result[name] = temperature;
                    break;
                case InvocationParameterNames.TopP:
                    if (cursor.Number(value, memberPath, 0, 1) is { } topP) result[name] = topP;
                    break;
                case InvocationParameterNames.FrequencyPenalty or InvocationParameterNames.PresencePenalty:
                    if (cursor.Number(value, memberPath, -2, 2) is { } penalty) result[name] = penalty;
                    break;
                case InvocationParameterNames.MaxTokens or InvocationParameterNames.MaxCompletionTokens or InvocationParameterNames.TopK:
                    if (cursor.Integer(value, memberPath, 1, int.MaxValue) is { } count) result[name] = count;
                    break;
                case InvocationParameterNames.Seed:
                    if (cursor.Integer(value, memberPath) is { } seed) result[name] = seed;
                    break;
                case InvocationParameterNames.Stop:
                    // A single stop string is normalized to a one-element list, as the OpenAI API treats them alike.
                    if (value is JsonValue && cursor.String(value, memberPath, 1000, allowEmpty: false) is { } single)
                    {
                        result[name] = new JsonArray(single);
                    }
                    else if (value is not JsonValue && cursor.Array(value, memberPath) is { } stops)
                    {
                        var list = new JsonArray();
                        for (var i = 0; i < stops.Count; i++)
                        {
                            if (cursor.String(stops[i], ValidatingJsonReader.Index(memberPath, i), 1000, allowEmpty: false) is { } stop) list.Add(stop);
                        }
                        result[name] = list;
                    }
                    break;
                case InvocationParameterNames.ReasoningEffort:
                    if (cursor.String(value, memberPath) is { } effort)
                    {
                        if (ReasoningEfforts.Contains(effort)) result[name] = effort;
                        else cursor.Fault(memberPath, $"must be one of {string.Join(", ", ReasoningEfforts)}; got '{effort}'");
                    }
                    break;
                default:
                    // Provider-specific extras are kept as given; a JSON null means "not set" and is dropped.
                    if (value is not null) result[name] = value.DeepClone();
                    break;
            }
        }
        return result;
    }

    private static PromptTools? ReadTools(JsonNode node, string path, ValidatingJsonReader cursor)
    {
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        cursor.Closed(obj, path, "tools", "tool_choice", "parallel_tool_calls");
        var listPath = ValidatingJsonReader.Member(path, "tools");
        var array = cursor.Array(cursor.Required(obj, path, "tools"), listPath);
        if (array is null) return null;
        var declarations = new List<ToolDeclaration>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var itemPath = ValidatingJsonReader.Index(listPath, i);
            var item = cursor.Object(array[i], itemPath);
            if (item is null) continue;
            cursor.Closed(item, itemPath, "type", "function");
            var type = cursor.String(cursor.Required(item, itemPath, "type"), ValidatingJsonReader.Member(itemPath, "type"));
            if (type is not null && type != "function") cursor.Fault(ValidatingJsonReader.Member(itemPath, "type"), $"must be 'function', got '{type}'");
            var functionPath = ValidatingJsonReader.Member(itemPath, "function");
            var function = cursor.Object(cursor.Required(item, itemPath, "function"), functionPath);
            if (function is null) continue;
            cursor.Closed(function, functionPath, "name", "description", "parameters", "strict");
            var name = cursor.String(cursor.Required(function, functionPath, "name"), ValidatingJsonReader.Member(functionPath, "name"), 64, allowEmpty: false);
            if (name is not null && !Identifiers.IsFunctionName(name))
            {
                cursor.Fault(ValidatingJsonReader.Member(functionPath, "name"), "a function name has only letters, digits, '_' and '-' (at most 64)");
                name = null;
            }
            if (name is not null && !names.Add(name)) cursor.Fault(ValidatingJsonReader.Member(functionPath, "name"), $"duplicate tool name '{name}'");
            var description = function["description"] is { } d ? cursor.String(d, ValidatingJsonReader.Member(functionPath, "description"), 10_000) : null;
            var parameters = function["parameters"] is { } p ? cursor.Object(p, ValidatingJsonReader.Member(functionPath, "parameters")) : null;
            bool? strict = function["strict"] is { } s ? cursor.Boolean(s, ValidatingJsonReader.Member(functionPath, "strict")) : null;
            if (name is not null) declarations.Add(new ToolDeclaration(name, description, (JsonObject?)parameters?.DeepClone(), strict));
        }

        ToolChoice? choice = null;
        if (obj["tool_choice"] is { } choiceNode)
        {
            var choicePath = ValidatingJsonReader.Member(path, "tool_choice");
            if (choiceNode is JsonValue)
            {
                var mode = cursor.String(choiceNode, choicePath);
                choice = mode switch
                {
                    "auto" => ToolChoice.Auto,
                    "none" => ToolChoice.None,
                    "required" => ToolChoice.Required,
                    null => null,
                    _ => null,
                };
                if (mode is not null && choice is null)
                    cursor.Fault(choicePath, $"must be 'auto', 'none', 'required' or {{\"type\":\"function\",\"function\":{{\"name\":...}}}}; got '{mode}'");
            }
            else if (cursor.Object(choiceNode, choicePath) is { } choiceObject)
            {
                cursor.Closed(choiceObject, choicePath, "type", "function");
                var type = cursor.String(cursor.Required(choiceObject, choicePath, "type"), ValidatingJsonReader.Member(choicePath, "type"));
                if (type is not null && type != "function") cursor.Fault(ValidatingJsonReader.Member(choicePath, "type"), $"must be 'function', got '{type}'");
                var functionPath = ValidatingJsonReader.Member(choicePath, "function");
                if (cursor.Object(cursor.Required(choiceObject, choicePath, "function"), functionPath) is { } function)
                {
                    cursor.Closed(function, functionPath, "name");
                    var name = cursor.String(cursor.Required(function, functionPath, "name"), ValidatingJsonReader.Member(functionPath, "name"));
                    if (name is not null && !names.Contains(name))
                        cursor.Fault(ValidatingJsonReader.Member(functionPath, "name"), $"tool_choice names '{name}', which is not a declared tool");
                    else if (name is not null) choice = ToolChoice.Function(name);
                }
            }
        }
        bool? parallel = obj["parallel_tool_calls"] is { } parallelNode ? cursor.Boolean(parallelNode, ValidatingJsonReader.Member(path, "parallel_tool_calls")) : null;
        return new PromptTools(declarations, choice, parallel);
    }

    private static ResponseFormat? ReadResponseFormat(JsonNode node, string path, ValidatingJsonReader cursor)
    {
        var obj = cursor.Object(node, path);
        if (obj is null) return null;
        var type = cursor.String(cursor.Required(obj, path, "type"), ValidatingJsonReader.Member(path, "type"));
        switch (type)
        {
            case null:
                return null;
            case "json_object":
                cursor.Closed(obj, path, "type");
                return new ResponseFormat("json_object", null, null, null, null);
            case "json_schema":
            {
                cursor.Closed(obj, path, "type", "json_schema");
                var schemaPath = ValidatingJsonReader.Member(path, "json_schema");
                var schemaObject = cursor.Object(cursor.Required(obj, path, "json_schema"), schemaPath);
                if (schemaObject is null) return null;
                cursor.Closed(schemaObject, schemaPath, "name", "description", "schema", "strict");
                var name = cursor.String(cursor.Required(schemaObject, schemaPath, "name"), ValidatingJsonReader.Member(schemaPath, "name"), 64, allowEmpty: false);
                if (name is not null && !Identifiers.IsFunctionName(name))
                {
                    cursor.Fault(ValidatingJsonReader.Member(schemaPath, "name"), "a schema name has only letters, digits, '_' and '-' (at most 64)");
                    name = null;
                }
                var description = schemaObject["description"] is { } d ? cursor.String(d, ValidatingJsonReader.Member(schemaPath, "description"), 10_000) : null;
                var schema = cursor.Object(cursor.Required(schemaObject, schemaPath, "schema"), ValidatingJsonReader.Member(schemaPath, "schema"));
                bool? strict = schemaObject["strict"] is { } s ? cursor.Boolean(s, ValidatingJsonReader.Member(schemaPath, "strict")) : null;
                return name is null || schema is null ? null : new ResponseFormat("json_schema", name, description, (JsonObject)schema.DeepClone(), strict);
            }
            default:
                cursor.Fault(ValidatingJsonReader.Member(path, "type"), $"must be 'json_schema' or 'json_object', got '{type}'");
                return null;
        }
    }

    /// <summary>The normalized document: absent optional members are omitted, shorthands are expanded.</summary>
    public static JsonObject ToJson(PromptVersionContent content)
    {
        var obj = new JsonObject
        {
            ["template"] = WriteTemplate(content.Template),
            ["template_format"] = FormatName(content.TemplateFormat),
            ["invocation_parameters"] = content.InvocationParameters.DeepClone(),
        };
        if (content.Model is { } model) obj["model"] = new JsonObject { ["provider"] = model.Provider, ["name"] = model.Name };
        if (content.Tools is { } tools) obj["tools"] = WriteTools(tools);
        if (content.ResponseFormat is { } rf) obj["response_format"] = WriteResponseFormat(rf);
        if (content.Description is not null) obj["description"] = content.Description;
        if (content.Metadata is not null) obj["metadata"] = content.Metadata.DeepClone();
        return obj;
    }

    private static JsonObject WriteTemplate(PromptTemplate template) => template switch
    {
        StringTemplate s => new JsonObject { ["type"] = "string", ["template"] = s.Template },
        ChatTemplate chat => new JsonObject
        {
            ["type"] = "chat",
            ["messages"] = new JsonArray(chat.Messages.Select(WriteMessage).ToArray<JsonNode?>()),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(template)),
    };

    private static JsonObject WriteMessage(PromptMessage message) => message switch
    {
        PlaceholderMessage p => new JsonObject { ["type"] = "placeholder", ["name"] = p.Name },
        ChatMessageTemplate m => new JsonObject { ["role"] = RoleName(m.Role), ["content"] = ContentToJson(m.Content) },
        _ => throw new ArgumentOutOfRangeException(nameof(message)),
    };

    /// <summary>Message content as the version document writes it: a string, or an array of parts.</summary>
    public static JsonNode ContentToJson(MessageContent content) =>
        content.Text is { } text ? JsonValue.Create(text) : new JsonArray(content.Parts!.Select(WritePart).ToArray<JsonNode?>());

    private static JsonObject WritePart(ContentPart part) => part switch
    {
        TextPart t => new JsonObject { ["type"] = "text", ["text"] = t.Text },
        ToolCallPart c => new JsonObject
        {
            ["type"] = "tool_call",
            ["tool_call_id"] = c.ToolCallId,
            ["tool_call"] = new JsonObject { ["type"] = "function", ["name"] = c.Name, ["arguments"] = c.Arguments },
        },
        ToolResultPart r => new JsonObject { ["type"] = "tool_result", ["tool_call_id"] = r.ToolCallId, ["tool_result"] = r.Result?.DeepClone() },
        _ => throw new ArgumentOutOfRangeException(nameof(part)),
    };

    /// <summary>A declaration as <c>{type: "function", function: {name, description?, parameters?, strict?}}</c>, the OpenAI (and Phoenix) form.</summary>
    public static JsonObject ToolJson(ToolDeclaration tool)
    {
        var function = new JsonObject { ["name"] = tool.Name };
        if (tool.Description is not null) function["description"] = tool.Description;
        if (tool.Parameters is not null) function["parameters"] = tool.Parameters.DeepClone();
        if (tool.Strict is { } strict) function["strict"] = strict;
        return new JsonObject { ["type"] = "function", ["function"] = function };
    }

    private static JsonObject WriteTools(PromptTools tools)
    {
        var obj = new JsonObject
        {
            ["tools"] = new JsonArray(tools.Tools.Select(tool => (JsonNode?)ToolJson(tool)).ToArray()),
        };
        if (tools.ToolChoice is { } choice)
        {
            obj["tool_choice"] = choice.FunctionName is { } name
                ? new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name } }
                : JsonValue.Create(choice.Mode);
        }
        if (tools.ParallelToolCalls is { } parallel) obj["parallel_tool_calls"] = parallel;
        return obj;
    }

    private static JsonObject WriteResponseFormat(ResponseFormat format)
    {
        if (format.Type != "json_schema") return new JsonObject { ["type"] = format.Type };
        var schema = new JsonObject { ["name"] = format.Name };
        if (format.Description is not null) schema["description"] = format.Description;
        schema["schema"] = format.Schema?.DeepClone();
        if (format.Strict is { } strict) schema["strict"] = strict;
        return new JsonObject { ["type"] = "json_schema", ["json_schema"] = schema };
    }
}
