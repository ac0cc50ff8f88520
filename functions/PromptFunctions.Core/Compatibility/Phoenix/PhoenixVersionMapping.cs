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

/// <summary>
/// Phoenix's <c>PromptVersionData</c> and our version content, both ways. Phoenix wraps invocation parameters
/// by provider (<c>{"type":"openai","openai":{...}}</c>) where we keep them flat beside <c>model.provider</c>;
/// its tool choice says <c>zero_or_more</c>/<c>one_or_more</c>/<c>specific_function</c> where we say
/// <c>auto</c>/<c>required</c>/<c>function</c>; its <c>disable_parallel_tool_calls</c> is our
/// <c>parallel_tool_calls</c> negated. Everything else has the same shape. Our stricter rules (ranges, template
/// syntax, names) apply on top of Phoenix's, and their faults point into the Phoenix body.
/// </summary>
public static partial class PhoenixVersionMapping
{
    public static readonly IReadOnlyList<string> Providers =
        ["OPENAI", "AZURE_OPENAI", "ANTHROPIC", "GOOGLE", "DEEPSEEK", "XAI", "OLLAMA", "AWS", "CEREBRAS", "FIREWORKS", "GROQ", "MOONSHOT", "PERPLEXITY", "TOGETHER"];

    /// <summary>Providers whose invocation parameters Phoenix stores under the <c>openai</c> wrapper.</summary>
    private static readonly string[] OpenAiFamily =
        ["openai", "azure_openai", "deepseek", "xai", "ollama", "cerebras", "fireworks", "groq", "moonshot", "perplexity", "together"];

    private static readonly string[] InvocationTypes = [.. OpenAiFamily, "anthropic", "google", "aws"];
    private static readonly string[] Roles = ["user", "assistant", "model", "ai", "tool", "system", "developer"];
    private static readonly string[] TemplateFormats = ["MUSTACHE", "F_STRING", "NONE"];
    private static readonly string[] TemplateTypes = ["STR", "CHAT"];
    private static readonly string[] ReasoningEfforts = ["none", "minimal", "low", "medium", "high", "xhigh"];
    private static readonly string[] AnthropicEfforts = ["low", "medium", "high", "xhigh", "max"];
    private static readonly string[] ThinkingDisplays = ["summarized", "omitted"];
    private static readonly string[] GoogleThinkingLevels = ["minimal", "low", "medium", "high"];
    private static readonly string[] ToolChoices = ["none", "zero_or_more", "one_or_more", "specific_function"];

    private enum Field
    {
        Number,
        Integer,
        Strings,
        Dict,
        ReasoningEffort,
        AnthropicOutputConfig,
        AnthropicThinking,
        GoogleThinkingConfig,
    }

    private static readonly Dictionary<string, Field> OpenAiFields = new(StringComparer.Ordinal)
    {
        ["temperature"] = Field.Number,
        ["max_tokens"] = Field.Integer,
        ["max_completion_tokens"] = Field.Integer,
        ["frequency_penalty"] = Field.Number,
        ["presence_penalty"] = Field.Number,
        ["top_p"] = Field.Number,
        ["seed"] = Field.Integer,
        ["stop"] = Field.Strings,
        ["reasoning_effort"] = Field.ReasoningEffort,
        ["extra_body"] = Field.Dict,
    };

    private static readonly Dictionary<string, Field> AnthropicFields = new(StringComparer.Ordinal)
    {
        ["max_tokens"] = Field.Integer,
        ["temperature"] = Field.Number,
        ["top_p"] = Field.Number,
        ["stop_sequences"] = Field.Strings,
        ["output_config"] = Field.AnthropicOutputConfig,
        ["thinking"] = Field.AnthropicThinking,
        ["extra_body"] = Field.Dict,
    };

    private static readonly Dictionary<string, Field> GoogleFields = new(StringComparer.Ordinal)
    {
        ["temperature"] = Field.Number,
        ["max_output_tokens"] = Field.Integer,
        ["stop_sequences"] = Field.Strings,
        ["presence_penalty"] = Field.Number,
        ["frequency_penalty"] = Field.Number,
        ["top_p"] = Field.Number,
        ["top_k"] = Field.Integer,
        ["thinking_config"] = Field.GoogleThinkingConfig,
    };

    private static readonly Dictionary<string, Field> AwsFields = new(StringComparer.Ordinal)
    {
        ["max_tokens"] = Field.Integer,
        ["temperature"] = Field.Number,
        ["top_p"] = Field.Number,
        ["stop_sequences"] = Field.Strings,
    };
}
