using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Model;

// Reading the model settings: model, invocation parameters, tools and response format.
public static partial class PromptVersionJson
{
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
}
