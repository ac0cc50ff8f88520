using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Templating;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Compatibility.Phoenix;

// Phoenix's PromptVersionData into our version content, with faults located in the Phoenix body.
public static partial class PhoenixVersionMapping
{
    /// <summary>A <c>PromptVersionData</c> that passed Phoenix's checks, as our version document.</summary>
    /// <param name="InvocationType">The invocation wrapper the caller used, for pointing faults back at it.</param>
    public sealed record Input(bool IsChat, string InvocationType, JsonObject Document);

    /// <summary>Checks <paramref name="node"/> as Phoenix does; null (with faults in <paramref name="v"/>) when it fails.</summary>
    public static Input? Read(JsonNode? node, IReadOnlyList<object> location, PhoenixValidator v)
    {
        var obj = v.Model(node, location, "PromptVersionData");
        if (obj is null) return null;
        var before = v.Faults.Count;
        var at = (string name) => PhoenixValidator.At(location, name);

        var description = v.Optional(obj, "description", out var descriptionNode, nullable: true) ? v.String(descriptionNode, at("description"), 10_000) : null;
        var provider = v.Required(obj, location, "model_provider", out var providerNode) ? v.OneOf(providerNode, at("model_provider"), Providers) : null;
        var modelName = v.Required(obj, location, "model_name", out var modelNameNode) ? v.String(modelNameNode, at("model_name")) : null;
        var templateType = v.Required(obj, location, "template_type", out var typeNode) ? v.OneOf(typeNode, at("template_type"), TemplateTypes) : null;
        var templateFormat = v.Required(obj, location, "template_format", out var formatNode) ? v.OneOf(formatNode, at("template_format"), TemplateFormats) : null;
        var template = v.Required(obj, location, "template", out var templateNode) ? ReadTemplate(templateNode, at("template"), v) : null;
        var (invocationType, parameters) = v.Required(obj, location, "invocation_parameters", out var parametersNode)
            ? ReadInvocationParameters(parametersNode, at("invocation_parameters"), v)
            : (null, null);
        var tools = v.Optional(obj, "tools", out var toolsNode, nullable: true) ? ReadTools(toolsNode, at("tools"), v) : null;
        var responseFormat = v.Optional(obj, "response_format", out var formatDefinition, nullable: true) ? ReadResponseFormat(formatDefinition, at("response_format"), v) : null;
        if (v.Faults.Count > before) return null;

        var isChat = template!["type"]!.GetValue<string>() == "chat";
        if (isChat != (templateType == "CHAT"))
        {
            v.Fault(location, "value_error", "Value error, Template type does not match template");
            return null;
        }

        // We derive the wrapper from the provider when reading, so they must agree (Phoenix itself does not check).
        var providerKey = provider!.ToLowerInvariant();
        var expectedFamily = OpenAiFamily.Contains(providerKey) ? "openai" : providerKey;
        var givenFamily = OpenAiFamily.Contains(invocationType) ? "openai" : invocationType;
        if (expectedFamily != givenFamily)
        {
            v.Fault(PhoenixValidator.At(at("invocation_parameters"), "type"), "value_error",
                $"Value error, invocation parameters of type '{invocationType}' do not belong to model provider {provider}; use type '{(expectedFamily == "openai" ? "openai" : providerKey)}'");
            return null;
        }

        var document = new JsonObject
        {
            ["template"] = template,
            ["template_format"] = templateFormat!.ToLowerInvariant(),
            ["model"] = new JsonObject { ["provider"] = providerKey, ["name"] = modelName },
            ["invocation_parameters"] = parameters!.DeepClone(),
        };
        if (tools is not null) document["tools"] = tools;
        if (responseFormat is not null) document["response_format"] = responseFormat;
        // Phoenix reads a missing description back as "", so "" and absent are one thing; absent keeps ids equal.
        if (!string.IsNullOrEmpty(description)) document["description"] = description;
        return new Input(isChat, invocationType!, document);
    }

    /// <summary>Our own checks of the mapped content; faults point into the Phoenix body at <paramref name="location"/>.</summary>
    public static PromptVersionContent ToContent(Input input, IReadOnlyList<object> location)
    {
        var cursor = new ValidatingJsonReader();
        var content = PromptVersionJson.Read(input.Document.DeepClone(), "$", cursor);
        if (content is not null && cursor.Faults.Count == 0) return content;
        var faults = cursor.Faults
            .Select(f => new PhoenixFault(PhoenixFaultLocations.PhoenixLocation(location, f.Path, input.InvocationType), "value_error", $"Value error, {f.Message}"))
            .ToList();
        throw new PhoenixValidationException(faults.Count > 0 ? faults : [new PhoenixFault(location, "value_error", "Value error, invalid prompt version")]);
    }

    private static JsonObject? ReadTemplate(JsonNode? node, IReadOnlyList<object> location, PhoenixValidator v)
    {
        var type = v.Tag(node, location, ["chat", "string"]);
        if (type is null) return null;
        var obj = (JsonObject)node!;
        var before = v.Faults.Count;
        if (type == "string")
        {
            v.Closed(obj, location, "type", "template");
            var text = v.Required(obj, location, "template", out var textNode) ? v.String(textNode, PhoenixValidator.At(location, "template")) : null;
            return v.Faults.Count > before ? null : new JsonObject { ["type"] = "string", ["template"] = text };
        }

        v.Closed(obj, location, "type", "messages");
        var messagesLocation = PhoenixValidator.At(location, "messages");
        var messages = v.Required(obj, location, "messages", out var messagesNode) ? v.List(messagesNode, messagesLocation) : null;
        var mapped = new JsonArray();
        for (var i = 0; messages is not null && i < messages.Count; i++)
        {
            var messageLocation = PhoenixValidator.At(messagesLocation, i);
            var message = v.Model(messages[i], messageLocation, "PromptMessage");
            if (message is null) continue;
            v.Closed(message, messageLocation, "role", "content");
            var role = v.Required(message, messageLocation, "role", out var roleNode) ? v.OneOf(roleNode, PhoenixValidator.At(messageLocation, "role"), Roles) : null;
            var contentOk = v.Required(message, messageLocation, "content", out var contentNode) && ReadContent(contentNode, PhoenixValidator.At(messageLocation, "content"), v);
            if (role is not null && contentOk)
                mapped.Add(new JsonObject { ["role"] = role is "ai" or "model" ? "assistant" : role, ["content"] = contentNode!.DeepClone() });
        }
        return v.Faults.Count > before ? null : new JsonObject { ["type"] = "chat", ["messages"] = mapped };
    }

    private static bool ReadContent(JsonNode? node, IReadOnlyList<object> location, PhoenixValidator v)
    {
        if (node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String) return true;
        if (node is not JsonArray)
        {
            v.Fault(location, "string_type", "Input should be a valid string or a list of content parts");
            return false;
        }
        var parts = v.List(node, location, minItems: 1);
        if (parts is null) return false;
        var before = v.Faults.Count;
        for (var i = 0; i < parts.Count; i++)
        {
            var partLocation = PhoenixValidator.At(location, i);
            var type = v.Tag(parts[i], partLocation, ["text", "tool_call", "tool_result"]);
            if (type is null) continue;
            var part = (JsonObject)parts[i]!;
            var at = (string name) => PhoenixValidator.At(partLocation, name);
            switch (type)
            {
                case "text":
                    v.Closed(part, partLocation, "type", "text");
                    if (v.Required(part, partLocation, "text", out var text)) v.String(text, at("text"));
                    break;
                case "tool_call":
                    v.Closed(part, partLocation, "type", "tool_call_id", "tool_call");
                    if (v.Required(part, partLocation, "tool_call_id", out var callId)) v.String(callId, at("tool_call_id"));
                    if (v.Required(part, partLocation, "tool_call", out var callNode) && v.Tag(callNode, at("tool_call"), ["function"]) is not null)
                    {
                        var call = (JsonObject)callNode!;
                        var callLocation = at("tool_call");
                        v.Closed(call, callLocation, "type", "name", "arguments");
                        if (v.Required(call, callLocation, "name", out var name)) v.String(name, PhoenixValidator.At(callLocation, "name"));
                        if (v.Required(call, callLocation, "arguments", out var arguments)) v.String(arguments, PhoenixValidator.At(callLocation, "arguments"));
                    }
                    break;
                case "tool_result":
                    v.Closed(part, partLocation, "type", "tool_call_id", "tool_result");
                    if (v.Required(part, partLocation, "tool_call_id", out var resultId)) v.String(resultId, at("tool_call_id"));
                    v.Required(part, partLocation, "tool_result", out _);
                    break;
            }
        }
        return v.Faults.Count == before;
    }

    private static (string? Type, JsonObject? Parameters) ReadInvocationParameters(JsonNode? node, IReadOnlyList<object> location, PhoenixValidator v)
    {
        var type = v.Tag(node, location, InvocationTypes);
        if (type is null) return (null, null);
        var wrapper = (JsonObject)node!;
        var before = v.Faults.Count;
        v.Closed(wrapper, location, "type", type);
        var contentLocation = PhoenixValidator.At(location, type);
        if (!v.Required(wrapper, location, type, out var contentNode)) return (type, null);
        var content = v.Model(contentNode, contentLocation, $"Prompt{type}InvocationParametersContent");
        if (content is null) return (type, null);
        var fields = type switch
        {
            "anthropic" => AnthropicFields,
            "google" => GoogleFields,
            "aws" => AwsFields,
            _ => OpenAiFields,
        };
        v.Closed(content, contentLocation, [.. fields.Keys]);
        if (type == "anthropic") v.Required(content, contentLocation, "max_tokens", out _);
        foreach (var (name, value) in content)
        {
            if (!fields.TryGetValue(name, out var field)) continue;
            ReadField(field, value, PhoenixValidator.At(contentLocation, name), v);
        }
        return v.Faults.Count > before ? (type, null) : (type, content);
    }

    private static void ReadField(Field field, JsonNode? value, IReadOnlyList<object> location, PhoenixValidator v)
    {
        switch (field)
        {
            case Field.Number: v.Number(value, location); break;
            case Field.Integer: v.Integer(value, location); break;
            case Field.Strings: v.Strings(value, location); break;
            case Field.Dict: v.Dict(value, location); break;
            case Field.ReasoningEffort: v.OneOf(value, location, ReasoningEfforts); break;
            case Field.AnthropicOutputConfig:
                if (v.Model(value, location, "PromptAnthropicOutputConfig") is { } config)
                {
                    v.Closed(config, location, "effort");
                    if (v.Optional(config, "effort", out var effort)) v.OneOf(effort, PhoenixValidator.At(location, "effort"), AnthropicEfforts);
                }
                break;
            case Field.AnthropicThinking:
                if (v.Tag(value, location, ["disabled", "enabled", "adaptive"]) is { } thinkingType)
                {
                    var thinking = (JsonObject)value!;
                    switch (thinkingType)
                    {
                        case "disabled":
                            v.Closed(thinking, location, "type");
                            break;
                        case "enabled":
                            v.Closed(thinking, location, "type", "budget_tokens", "display");
                            if (v.Required(thinking, location, "budget_tokens", out var budget)) v.Integer(budget, PhoenixValidator.At(location, "budget_tokens"), minimum: 1024);
                            if (v.Optional(thinking, "display", out var display)) v.OneOf(display, PhoenixValidator.At(location, "display"), ThinkingDisplays);
                            break;
                        default:
                            v.Closed(thinking, location, "type", "display");
                            if (v.Optional(thinking, "display", out var adaptiveDisplay)) v.OneOf(adaptiveDisplay, PhoenixValidator.At(location, "display"), ThinkingDisplays);
                            break;
                    }
                }
                break;
            case Field.GoogleThinkingConfig:
                if (v.Model(value, location, "PromptGoogleThinkingConfig") is { } google)
                {
                    v.Closed(google, location, "thinking_budget", "thinking_level", "include_thoughts");
                    if (v.Optional(google, "thinking_budget", out var budget)) v.Integer(budget, PhoenixValidator.At(location, "thinking_budget"));
                    if (v.Optional(google, "thinking_level", out var level)) v.OneOf(level, PhoenixValidator.At(location, "thinking_level"), GoogleThinkingLevels);
                    if (v.Optional(google, "include_thoughts", out var include)) v.Boolean(include, PhoenixValidator.At(location, "include_thoughts"));
                }
                break;
        }
    }

    /// <summary>Phoenix <c>PromptTools</c> as our <c>tools</c> member.</summary>
    private static JsonObject? ReadTools(JsonNode? node, IReadOnlyList<object> location, PhoenixValidator v)
    {
        var obj = v.Model(node, location, "PromptTools");
        if (obj is null) return null;
        var before = v.Faults.Count;
        var at = (string name) => PhoenixValidator.At(location, name);
        v.Closed(obj, location, "type", "tools", "tool_choice", "disable_parallel_tool_calls");
        if (v.Required(obj, location, "type", out var typeNode)) v.OneOf(typeNode, at("type"), ["tools"], "literal_error");

        var declarations = new JsonArray();
        if (v.Required(obj, location, "tools", out var toolsNode) && v.List(toolsNode, at("tools"), minItems: 1) is { } tools)
        {
            for (var i = 0; i < tools.Count; i++)
            {
                var toolLocation = PhoenixValidator.At(at("tools"), i);
                var type = v.Tag(tools[i], toolLocation, ["function", "raw"]);
                if (type is null) continue;
                var tool = (JsonObject)tools[i]!;
                if (type == "raw")
                {
                    v.Closed(tool, toolLocation, "type", "raw");
                    if (v.Required(tool, toolLocation, "raw", out var raw)) v.Dict(raw, PhoenixValidator.At(toolLocation, "raw"));
                    // Our versions declare functions only, which every provider mapping understands; an opaque
                    // provider-specific tool would be passed to one provider and lost for the others.
                    v.Fault(PhoenixValidator.At(toolLocation, "type"), "value_error", "Value error, raw tools are not supported by this server; declare the tool as type 'function'");
                    continue;
                }
                v.Closed(tool, toolLocation, "type", "function");
                var functionLocation = PhoenixValidator.At(toolLocation, "function");
                if (!v.Required(tool, toolLocation, "function", out var functionNode)) continue;
                var function = v.Model(functionNode, functionLocation, "PromptToolFunctionDefinition");
                if (function is null) continue;
                v.Closed(function, functionLocation, "name", "description", "parameters", "strict");
                if (v.Required(function, functionLocation, "name", out var name)) v.String(name, PhoenixValidator.At(functionLocation, "name"));
                if (v.Optional(function, "description", out var description)) v.String(description, PhoenixValidator.At(functionLocation, "description"));
                if (v.Optional(function, "parameters", out var parameters)) v.Dict(parameters, PhoenixValidator.At(functionLocation, "parameters"));
                if (v.Optional(function, "strict", out var strict)) v.Boolean(strict, PhoenixValidator.At(functionLocation, "strict"));
                declarations.Add(new JsonObject { ["type"] = "function", ["function"] = function.DeepClone() });
            }
        }

        JsonNode? choice = null;
        if (v.Optional(obj, "tool_choice", out var choiceNode, nullable: true) && v.Tag(choiceNode, at("tool_choice"), ToolChoices) is { } mode)
        {
            var choiceObject = (JsonObject)choiceNode!;
            if (mode == "specific_function")
            {
                v.Closed(choiceObject, at("tool_choice"), "type", "function_name");
                if (v.Required(choiceObject, at("tool_choice"), "function_name", out var functionName) &&
                    v.String(functionName, PhoenixValidator.At(at("tool_choice"), "function_name")) is { } chosen)
                    choice = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = chosen } };
            }
            else
            {
                v.Closed(choiceObject, at("tool_choice"), "type");
                choice = mode switch { "zero_or_more" => "auto", "one_or_more" => "required", _ => "none" };
            }
        }
        bool? disableParallel = v.Optional(obj, "disable_parallel_tool_calls", out var disableNode) ? v.Boolean(disableNode, at("disable_parallel_tool_calls")) : null;
        if (v.Faults.Count > before) return null;

        var result = new JsonObject { ["tools"] = declarations };
        if (choice is not null) result["tool_choice"] = choice;
        if (disableParallel is { } disable) result["parallel_tool_calls"] = !disable;
        return result;
    }

    private static JsonObject? ReadResponseFormat(JsonNode? node, IReadOnlyList<object> location, PhoenixValidator v)
    {
        if (v.Tag(node, location, ["json_schema"]) is null) return null;
        var obj = (JsonObject)node!;
        var before = v.Faults.Count;
        v.Closed(obj, location, "type", "json_schema");
        var schemaLocation = PhoenixValidator.At(location, "json_schema");
        if (!v.Required(obj, location, "json_schema", out var schemaNode)) return null;
        var definition = v.Model(schemaNode, schemaLocation, "PromptResponseFormatJSONSchemaDefinition");
        if (definition is null) return null;
        v.Closed(definition, schemaLocation, "name", "description", "schema", "strict");
        if (v.Required(definition, schemaLocation, "name", out var name)) v.String(name, PhoenixValidator.At(schemaLocation, "name"));
        if (v.Optional(definition, "description", out var description)) v.String(description, PhoenixValidator.At(schemaLocation, "description"));
        if (v.Optional(definition, "schema", out var schema)) v.Dict(schema, PhoenixValidator.At(schemaLocation, "schema"));
        if (v.Optional(definition, "strict", out var strict)) v.Boolean(strict, PhoenixValidator.At(schemaLocation, "strict"));
        return v.Faults.Count > before ? null : new JsonObject { ["type"] = "json_schema", ["json_schema"] = definition.DeepClone() };
    }
}
