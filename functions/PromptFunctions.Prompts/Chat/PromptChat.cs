using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Prompts.Chat;

/// <summary>
/// A prompt version as Microsoft.Extensions.AI messages and options. The .NET client and the server's experiment
/// engine both call this, so an application and an experiment send a model the same request for the same version.
/// </summary>
public static class PromptChat
{
    /// <summary>OpenAI's developer role; adapters that do not know it treat it as a system message.</summary>
    public static readonly ChatRole DeveloperRole = new("developer");

    /// <summary>
    /// Chat options from the version: the model name as <see cref="ChatOptions.ModelId"/>, the invocation parameters,
    /// the response format as a JSON schema, the tools as <see cref="AIFunctionDeclaration"/>s (described, not
    /// invocable; add your implementations by name), <c>tool_choice</c> and <c>parallel_tool_calls</c>. Parameters
    /// without a <see cref="ChatOptions"/> property, such as provider extras, go to
    /// <see cref="ChatOptions.AdditionalProperties"/> under their own names. Each call returns a new instance.
    /// </summary>
    public static ChatOptions ToChatOptions(PromptVersionContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var options = new ChatOptions { ModelId = content.Model?.Name };
        var extras = new AdditionalPropertiesDictionary();

        var parameters = content.InvocationParameters;
        foreach (var (name, value) in parameters)
        {
            if (value is null) continue;
            switch (name)
            {
                case InvocationParameterNames.Temperature:
                    options.Temperature = Read<float>(value);
                    break;
                case InvocationParameterNames.TopP:
                    options.TopP = Read<float>(value);
                    break;
                case InvocationParameterNames.TopK:
                    options.TopK = Read<int>(value);
                    break;
                case InvocationParameterNames.FrequencyPenalty:
                    options.FrequencyPenalty = Read<float>(value);
                    break;
                case InvocationParameterNames.PresencePenalty:
                    options.PresencePenalty = Read<float>(value);
                    break;
                case InvocationParameterNames.Seed:
                    options.Seed = Read<long>(value);
                    break;
                case InvocationParameterNames.Stop:
                    options.StopSequences = value.AsArray().Select(stop => stop!.GetValue<string>()).ToList();
                    break;
                case InvocationParameterNames.MaxCompletionTokens:
                    options.MaxOutputTokens = Read<int>(value);
                    break;
                case InvocationParameterNames.MaxTokens:
                    // max_completion_tokens is the newer name of the same limit and wins; a max_tokens beside it
                    // is kept as given rather than dropped.
                    if (parameters.ContainsKey(InvocationParameterNames.MaxCompletionTokens)) extras[name] = ToClrValue(value);
                    else options.MaxOutputTokens = Read<int>(value);
                    break;
                case InvocationParameterNames.ReasoningEffort when ToReasoningEffort(value.GetValue<string>()) is { } effort:
                    options.Reasoning = new ReasoningOptions { Effort = effort };
                    break;
                default:
                    // Provider extras, and efforts such as "minimal" that ReasoningEffort has no member for.
                    extras[name] = ToClrValue(value);
                    break;
            }
        }

        bool? strictSchema = null;
        switch (content.ResponseFormat)
        {
            case { Type: "json_schema", Schema: { } schema } format:
                options.ResponseFormat = ChatResponseFormat.ForJsonSchema(ToElement(schema), format.Name, format.Description);
                strictSchema = format.Strict;
                break;
            case { Type: "json_object" }:
                options.ResponseFormat = ChatResponseFormat.Json;
                break;
        }
        if (strictSchema is { } strictValue) extras[StrictKey] = strictValue;

        if (content.Tools is { } tools)
        {
            options.Tools = tools.Tools.Select(tool => (AITool)Declare(tool, strictSchema is not null)).ToList();
            options.ToolMode = tools.ToolChoice switch
            {
                null => null,
                { FunctionName: { } function } => ChatToolMode.RequireSpecific(function),
                { Mode: "none" } => ChatToolMode.None,
                { Mode: "required" } => ChatToolMode.RequireAny,
                _ => ChatToolMode.Auto,
            };
            options.AllowMultipleToolCalls = tools.ParallelToolCalls;
        }
        if (extras.Count > 0) options.AdditionalProperties = extras;
        return options;
    }

    /// <summary>
    /// The key under which strictness travels in <see cref="AITool.AdditionalProperties"/> and
    /// <see cref="ChatOptions.AdditionalProperties"/>; the OpenAI adapter of Microsoft.Extensions.AI reads it.
    /// </summary>
    public const string StrictKey = "strict";

    private static AIFunctionDeclaration Declare(ToolDeclaration tool, bool optionsDeclareStrict)
    {
        var schema = tool.Parameters is { } parameters ? ToElement(parameters) : EmptyObjectSchema;
        var declaration = AIFunctionFactory.CreateDeclaration(tool.Name, tool.Description, schema);
        // Adapters read a strict flag on the options as the default of every tool, so when the response format
        // sets one, each tool states its own (false when unset, the APIs' default) to keep them apart.
        bool? strict = tool.Strict ?? (optionsDeclareStrict ? false : null);
        return strict is { } value ? new StrictFunctionDeclaration(declaration, value) : declaration;
    }

    /// <summary>A declaration from <see cref="AIFunctionFactory.CreateDeclaration"/> that also states its strictness.</summary>
    private sealed class StrictFunctionDeclaration(AIFunctionDeclaration inner, bool strict) : AIFunctionDeclaration
    {
        private readonly IReadOnlyDictionary<string, object?> _properties = new Dictionary<string, object?> { [StrictKey] = strict };

        public override string Name => inner.Name;
        public override string Description => inner.Description;
        public override JsonElement JsonSchema => inner.JsonSchema;
        public override JsonElement? ReturnJsonSchema => inner.ReturnJsonSchema;
        public override IReadOnlyDictionary<string, object?> AdditionalProperties => _properties;
        public override string ToString() => inner.ToString();
    }

    private static readonly JsonElement EmptyObjectSchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    private static ReasoningEffort? ToReasoningEffort(string effort) => effort switch
    {
        "none" => ReasoningEffort.None,
        "low" => ReasoningEffort.Low,
        "medium" => ReasoningEffort.Medium,
        "high" => ReasoningEffort.High,
        "xhigh" => ReasoningEffort.ExtraHigh,
        _ => null,
    };

    /// <summary>
    /// Chat messages from a rendering of <paramref name="content"/> with <paramref name="variables"/>: a string
    /// template becomes one user message; placeholders become the messages their variable held, or the
    /// <paramref name="chatHistories"/> entry of the same name, inserted as given.
    /// </summary>
    public static List<ChatMessage> ToChatMessages(PromptVersionContent content, RenderedPrompt rendered, JsonObject variables,
        IReadOnlyDictionary<string, List<ChatMessage>>? chatHistories = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(rendered);
        if (rendered.Text is { } text) return [new ChatMessage(ChatRole.User, text)];

        var messages = new List<ChatMessage>(rendered.Messages!.Count);
        var template = (ChatTemplate)content.Template;
        var next = 0;
        // The renderer emits one message per template message and as many as the variable holds per placeholder;
        // walking the template alongside tells which rendered messages stand for which placeholder.
        foreach (var message in template.Messages)
        {
            if (message is PlaceholderMessage placeholder)
            {
                if (chatHistories is not null && chatHistories.TryGetValue(placeholder.Name, out var history))
                {
                    messages.AddRange(history);
                    continue;
                }
                var count = variables[placeholder.Name] is JsonArray list ? list.Count : 0;
                for (var i = 0; i < count; i++) messages.Add(ToChatMessage(rendered.Messages[next++]));
                continue;
            }
            messages.Add(ToChatMessage(rendered.Messages[next++]));
        }
        return messages;
    }

    private static ChatMessage ToChatMessage(RenderedMessage message)
    {
        var role = message.Role switch
        {
            MessageRole.System => ChatRole.System,
            MessageRole.Developer => DeveloperRole,
            MessageRole.User => ChatRole.User,
            MessageRole.Assistant => ChatRole.Assistant,
            MessageRole.Tool => ChatRole.Tool,
            _ => throw new ArgumentOutOfRangeException(nameof(message), message.Role, "unknown role"),
        };
        if (message.Content.Text is { } text) return new ChatMessage(role, text);
        var contents = new List<AIContent>(message.Content.Parts!.Count);
        foreach (var part in message.Content.Parts)
        {
            contents.Add(part switch
            {
                TextPart t => new TextContent(t.Text) { RawRepresentation = t },
                ToolCallPart call => ToFunctionCall(call),
                ToolResultPart result => new FunctionResultContent(result.ToolCallId, ToResultValue(result.Result)) { RawRepresentation = result },
                _ => throw new ArgumentOutOfRangeException(nameof(message), part.GetType().Name, "unknown content part"),
            });
        }
        return new ChatMessage(role, contents);
    }

    private static FunctionCallContent ToFunctionCall(ToolCallPart call)
    {
        // Arguments are a JSON text as the model wrote them; unparsable text is kept on Exception, as adapters do.
        var content = string.IsNullOrWhiteSpace(call.Arguments)
            ? new FunctionCallContent(call.ToolCallId, call.Name, new Dictionary<string, object?>())
            : FunctionCallContent.CreateFromParsedArguments(call.Arguments, call.ToolCallId, call.Name,
                static json => JsonSerializer.Deserialize(json, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Dictionary<string, object?>))) as IDictionary<string, object?>);
        content.RawRepresentation = call;
        return content;
    }

    /// <summary>A string result stays a string (adapters send it as is); anything else becomes a <see cref="JsonElement"/>.</summary>
    private static object? ToResultValue(JsonNode? result) => result switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => ToElement(result),
    };

    /// <summary>
    /// Reads a number whatever backs the node: parsed JSON, or a .NET value the version parser stored (a
    /// <c>double</c> read as <c>float</c> fails with <see cref="JsonNode.GetValue{T}"/>).
    /// </summary>
    private static T Read<T>(JsonNode value) => (T)value.Deserialize(AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T)))!;

    /// <summary>Primitives as .NET values, so adapters can read them; objects and arrays as <see cref="JsonElement"/>.</summary>
    private static object? ToClrValue(JsonNode value)
    {
        var element = ToElement(value);
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when element.TryGetInt64(out var integer) => integer,
            JsonValueKind.Number => element.GetDouble(),
            _ => element,
        };
    }


    public static JsonElement ToElement(JsonNode node) => JsonSerializer.SerializeToElement(node, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonNode)));
}
