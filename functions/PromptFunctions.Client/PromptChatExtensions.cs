using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptFunctions.Prompts.Chat;
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
    public static readonly ChatRole DeveloperRole = PromptChat.DeveloperRole;

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
        return PromptChat.ToChatOptions(prompt.Content);
    }

    /// <inheritdoc cref="PromptChat.StrictKey"/>
    public const string StrictKey = PromptChat.StrictKey;

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

    private static List<ChatMessage> ToChatMessages(PromptVersion prompt, RenderedPrompt rendered, JsonObject variables, Dictionary<string, List<ChatMessage>>? chatHistories) =>
        PromptChat.ToChatMessages(prompt.Content, rendered, variables, chatHistories);

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
