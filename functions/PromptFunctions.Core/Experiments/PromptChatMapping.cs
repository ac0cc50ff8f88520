using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Prompts.Rendering;

namespace PromptFunctions.Core.Experiments;

/// <summary>Turns a rendered prompt and a version's settings into Microsoft.Extensions.AI messages and options.</summary>
public static class PromptChatMapping
{
    public static List<ChatMessage> ToChatMessages(RenderedPrompt rendered)
    {
        if (rendered.Text is { } text) return [new ChatMessage(ChatRole.User, text)];
        return rendered.Messages!.Select(m => new ChatMessage(Role(m.Role), Contents(m.Content))).ToList();
    }

    private static ChatRole Role(MessageRole role) => role switch
    {
        MessageRole.System or MessageRole.Developer => ChatRole.System,
        MessageRole.User => ChatRole.User,
        MessageRole.Assistant => ChatRole.Assistant,
        MessageRole.Tool => ChatRole.Tool,
        _ => ChatRole.User,
    };

    private static List<AIContent> Contents(MessageContent content)
    {
        if (content.Text is { } text) return [new TextContent(text)];
        return content.Parts!.Select<ContentPart, AIContent>(part => part switch
        {
            TextPart t => new TextContent(t.Text),
            ToolCallPart c => new FunctionCallContent(c.ToolCallId, c.Name, ParseArguments(c.Arguments)),
            ToolResultPart r => new FunctionResultContent(r.ToolCallId, r.Result?.ToJsonString()),
            _ => throw new ArgumentOutOfRangeException(nameof(content)),
        }).ToList();
    }

    private static Dictionary<string, object?>? ParseArguments(string arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments)) return null;
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments, AIJsonUtilities.DefaultOptions);
        }
        catch (JsonException)
        {
            return new Dictionary<string, object?> { ["_raw"] = arguments };
        }
    }

    /// <summary>
    /// Options from the model name and invocation parameters the run uses (the version's own, overridden by the
    /// experiment's), plus the version's tools and response format. Unknown parameters pass through as
    /// provider-specific extras.
    /// </summary>
    public static ChatOptions ToChatOptions(string model, JsonObject parameters, PromptTools? tools, ResponseFormat? responseFormat)
    {
        var options = new ChatOptions { ModelId = model };
        foreach (var (name, value) in parameters)
        {
            if (value is null) continue;
            switch (name)
            {
                case InvocationParameterNames.Temperature: options.Temperature = (float)Number(value); break;
                case InvocationParameterNames.TopP: options.TopP = (float)Number(value); break;
                case InvocationParameterNames.TopK: options.TopK = (int)Number(value); break;
                case InvocationParameterNames.MaxTokens or InvocationParameterNames.MaxCompletionTokens: options.MaxOutputTokens = (int)Number(value); break;
                case InvocationParameterNames.Seed: options.Seed = (long)Number(value); break;
                case InvocationParameterNames.FrequencyPenalty: options.FrequencyPenalty = (float)Number(value); break;
                case InvocationParameterNames.PresencePenalty: options.PresencePenalty = (float)Number(value); break;
                case InvocationParameterNames.Stop: options.StopSequences = value.AsArray().Select(s => s!.GetValue<string>()).ToList(); break;
                case InvocationParameterNames.ReasoningEffort:
                    (options.AdditionalProperties ??= [])[name] = value.GetValue<string>();
                    break;
                default:
                    (options.AdditionalProperties ??= [])[name] = JsonSerializer.Deserialize<JsonElement>(value.ToJsonString());
                    break;
            }
        }
        if (tools is not null)
        {
            options.Tools = tools.Tools.Select(t => (AITool)AIFunctionFactory.CreateDeclaration(
                t.Name, t.Description, JsonSerializer.Deserialize<JsonElement>((t.Parameters ?? new JsonObject { ["type"] = "object" }).ToJsonString()))).ToList();
            options.ToolMode = tools.ToolChoice?.Mode switch
            {
                "none" => ChatToolMode.None,
                "required" => ChatToolMode.RequireAny,
                "function" => ChatToolMode.RequireSpecific(tools.ToolChoice.FunctionName!),
                _ => ChatToolMode.Auto,
            };
            if (tools.ParallelToolCalls is { } parallel) options.AllowMultipleToolCalls = parallel;
        }
        if (responseFormat is not null)
        {
            options.ResponseFormat = responseFormat.Type == "json_schema"
                ? ChatResponseFormat.ForJsonSchema(JsonSerializer.Deserialize<JsonElement>(responseFormat.Schema!.ToJsonString()), responseFormat.Name, responseFormat.Description)
                : ChatResponseFormat.Json;
        }
        return options;
    }

    private static double Number(JsonNode value) => PromptFunctions.Prompts.Json.CanonicalJson.ReadDouble(value.AsValue());

    public static string Describe(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
