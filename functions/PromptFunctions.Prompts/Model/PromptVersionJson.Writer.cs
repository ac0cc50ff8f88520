using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Model;

// Writing the normalized version document.
public static partial class PromptVersionJson
{
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
