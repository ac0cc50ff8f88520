using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Client;

/// <summary>
/// Turns a <see cref="PromptVersion"/> into what an <see cref="IChatClient"/> takes: rendered messages and chat
/// options. Rendering is the server's own <see cref="PromptRenderer"/>, so the text equals what <c>/render</c> returns.
/// </summary>
public static class PromptChatExtensions
{
    /// <summary>The role OpenAI-style APIs give instructions from the application developer.</summary>
    public static readonly ChatRole DeveloperRole = new("developer");

    /// <summary>
    /// Renders the template with the shared renderer. Values are converted to JSON (numbers, strings, lists,
    /// objects); a placeholder's variable is a list of <c>{role, content}</c> messages. Strict by default: a
    /// variable the template uses but that was not given throws <see cref="MissingPromptVariablesException"/>.
    /// </summary>
    /// <exception cref="MissingPromptVariablesException">Strict, and variables are missing.</exception>
    /// <exception cref="PromptRenderException">A placeholder variable is not a list of messages, or a value does not fit its format spec.</exception>
    public static RenderedPrompt Render(this PromptVersion prompt, IEnumerable<KeyValuePair<string, object?>>? variables = null, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return RenderCore(prompt, ToJsonVariables(variables, out _), strict);
    }

    /// <summary>Renders the template with variables given as a JSON object, exactly as the <c>/render</c> route takes them.</summary>
    /// <inheritdoc cref="Render(PromptVersion, IEnumerable{KeyValuePair{string, object}}, bool)"/>
    public static RenderedPrompt Render(this PromptVersion prompt, JsonObject variables, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(variables);
        return RenderCore(prompt, variables, strict);
    }

    /// <summary>
    /// The rendered messages for <see cref="IChatClient.GetResponseAsync"/>. A placeholder is expanded from its
    /// variable: a list of <see cref="ChatMessage"/>s is inserted as given (e.g. the conversation so far), a JSON
    /// list of <c>{role, content}</c> messages is converted like template messages. <c>tool_call</c> and
    /// <c>tool_result</c> parts become <see cref="FunctionCallContent"/> and <see cref="FunctionResultContent"/>.
    /// A string template becomes one user message.
    /// </summary>
    /// <inheritdoc cref="Render(PromptVersion, IEnumerable{KeyValuePair{string, object}}, bool)"/>
    public static List<ChatMessage> ToChatMessages(this PromptVersion prompt, IEnumerable<KeyValuePair<string, object?>>? variables = null, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var json = ToJsonVariables(variables, out var chatHistories);
        return ToChatMessages(prompt, RenderCore(prompt, json, strict), json, chatHistories);
    }

    /// <summary>The rendered messages, with variables given as a JSON object as the <c>/render</c> route takes them.</summary>
    /// <inheritdoc cref="ToChatMessages(PromptVersion, IEnumerable{KeyValuePair{string, object}}, bool)"/>
    public static List<ChatMessage> ToChatMessages(this PromptVersion prompt, JsonObject variables, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(variables);
        return ToChatMessages(prompt, RenderCore(prompt, variables, strict), variables, null);
    }

    /// <summary>
    /// Chat options from the version: the model name as <see cref="ChatOptions.ModelId"/>, the invocation parameters,
    /// the response format as a JSON schema, the tools as <see cref="AIFunctionDeclaration"/>s (described, not
    /// invocable; add your implementations by name), <c>tool_choice</c> and <c>parallel_tool_calls</c>. Parameters
    /// without a <see cref="ChatOptions"/> property, such as provider extras, go to
    /// <see cref="ChatOptions.AdditionalProperties"/> under their own names. Each call returns a new instance.
    /// </summary>
    public static ChatOptions ToChatOptions(this PromptVersion prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var content = prompt.Content;
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

    private static RenderedPrompt RenderCore(PromptVersion prompt, JsonObject variables, bool strict)
    {
        RenderedPrompt rendered;
        try
        {
            rendered = PromptRenderer.Render(prompt.Content, variables);
        }
        catch (PromptValidationException e)
        {
            throw new PromptRenderException($"Rendering prompt '{prompt.Name}' failed: {e.Message}", prompt.Name, e.Faults, e);
        }
        catch (TemplateSyntaxException e)
        {
            throw new PromptRenderException($"Rendering prompt '{prompt.Name}' failed: {e.Message}", prompt.Name, [new ValidationFault("$.variables", $"rendering failed: {e.Message}")], e);
        }
        if (strict && rendered.MissingVariables.Count > 0) throw new MissingPromptVariablesException(prompt.Name, rendered.MissingVariables);
        return rendered;
    }

    private static List<ChatMessage> ToChatMessages(PromptVersion prompt, RenderedPrompt rendered, JsonObject variables, Dictionary<string, List<ChatMessage>>? chatHistories)
    {
        if (rendered.Text is { } text) return [new ChatMessage(ChatRole.User, text)];

        var messages = new List<ChatMessage>(rendered.Messages!.Count);
        var template = (ChatTemplate)prompt.Content.Template;
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

    private static JsonElement ToElement(JsonNode node) => JsonSerializer.SerializeToElement(node, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonNode)));

    private static JsonObject ToJsonVariables(IEnumerable<KeyValuePair<string, object?>>? variables, out Dictionary<string, List<ChatMessage>>? chatHistories)
    {
        chatHistories = null;
        var json = new JsonObject();
        if (variables is null) return json;
        foreach (var (name, value) in variables)
        {
            switch (value)
            {
                case null:
                    json[name] = null;
                    break;
                case IEnumerable<ChatMessage> history:
                    // Inserted as given after rendering; the renderer sees an empty list in its place.
                    (chatHistories ??= new(StringComparer.Ordinal))[name] = history.ToList();
                    json[name] = new JsonArray();
                    break;
                case JsonNode node:
                    json[name] = node.DeepClone();
                    break;
                default:
                    json[name] = JsonSerializer.SerializeToNode(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
                    break;
            }
        }
        return json;
    }
}
