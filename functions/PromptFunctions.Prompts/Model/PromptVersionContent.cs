using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Templating;

namespace PromptFunctions.Prompts.Model;

/// <summary>
/// The immutable content of one prompt version. Its identity is <see cref="PromptVersionJson.ComputeId"/>:
/// the SHA-256 of the canonical JSON of <see cref="PromptVersionJson.ToJson"/>.
/// </summary>
public sealed record PromptVersionContent
{
    public required PromptTemplate Template { get; init; }
    public TemplateFormat TemplateFormat { get; init; } = TemplateFormat.Mustache;
    public ModelReference? Model { get; init; }

    /// <summary>
    /// Known parameters are validated (see <see cref="InvocationParameterNames"/>); any other member is a
    /// provider-specific extra and is kept verbatim.
    /// </summary>
    public JsonObject InvocationParameters { get; init; } = [];

    public PromptTools? Tools { get; init; }
    public ResponseFormat? ResponseFormat { get; init; }
    public string? Description { get; init; }
    public JsonObject? Metadata { get; init; }
}

public abstract record PromptTemplate;

public sealed record ChatTemplate(IReadOnlyList<PromptMessage> Messages) : PromptTemplate;

public sealed record StringTemplate(string Template) : PromptTemplate;

public enum MessageRole
{
    System,
    Developer,
    User,
    Assistant,
    Tool,
}

public abstract record PromptMessage;

/// <summary>A message whose content is either plain text or a list of parts.</summary>
public sealed record ChatMessageTemplate(MessageRole Role, MessageContent Content) : PromptMessage;

/// <summary>
/// Stands for a list of messages supplied at render time (Langfuse's chat placeholders), e.g. a conversation
/// history.
/// </summary>
public sealed record PlaceholderMessage(string Name) : PromptMessage;

/// <summary>Exactly one of <see cref="Text"/> and <see cref="Parts"/> is set.</summary>
public sealed record MessageContent
{
    private MessageContent(string? text, IReadOnlyList<ContentPart>? parts)
    {
        Text = text;
        Parts = parts;
    }

    public string? Text { get; }
    public IReadOnlyList<ContentPart>? Parts { get; }

    public static MessageContent FromText(string text) => new(text, null);

    public static MessageContent FromParts(IReadOnlyList<ContentPart> parts) => new(null, parts);
}

public abstract record ContentPart;

public sealed record TextPart(string Text) : ContentPart;

public sealed record ToolCallPart(string ToolCallId, string Name, string Arguments) : ContentPart;

public sealed record ToolResultPart(string ToolCallId, JsonNode? Result) : ContentPart;

/// <param name="Provider">One of <see cref="ModelProviders.All"/>.</param>
/// <param name="Name">The provider's model name or deployment, e.g. <c>gpt-4o-mini</c>.</param>
public sealed record ModelReference(string Provider, string Name);

public static class ModelProviders
{
    public static readonly IReadOnlyList<string> All =
    [
        "openai", "azure_openai", "openai_compatible", "ollama", "anthropic", "google", "aws", "deepseek", "xai",
        "cerebras", "fireworks", "groq", "moonshot", "perplexity", "together",
    ];
}

public static class InvocationParameterNames
{
    public const string Temperature = "temperature";
    public const string MaxTokens = "max_tokens";
    public const string MaxCompletionTokens = "max_completion_tokens";
    public const string TopP = "top_p";
    public const string TopK = "top_k";
    public const string Seed = "seed";
    public const string Stop = "stop";
    public const string FrequencyPenalty = "frequency_penalty";
    public const string PresencePenalty = "presence_penalty";
    public const string ReasoningEffort = "reasoning_effort";
}

public sealed record ToolDeclaration(string Name, string? Description, JsonObject? Parameters, bool? Strict);

/// <summary>How the model may use the tools: <c>auto</c>, <c>none</c>, <c>required</c> or one named function.</summary>
public sealed record ToolChoice(string Mode, string? FunctionName)
{
    public static readonly ToolChoice Auto = new("auto", null);
    public static readonly ToolChoice None = new("none", null);
    public static readonly ToolChoice Required = new("required", null);

    public static ToolChoice Function(string name) => new("function", name);
}

public sealed record PromptTools(IReadOnlyList<ToolDeclaration> Tools, ToolChoice? ToolChoice, bool? ParallelToolCalls);

/// <summary><c>json_schema</c> (with <see cref="Schema"/>) or <c>json_object</c>.</summary>
public sealed record ResponseFormat(string Type, string? Name, string? Description, JsonObject? Schema, bool? Strict);
