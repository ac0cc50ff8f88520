using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using PromptFunctions.Evaluation.Text;

namespace PromptFunctions.Evaluation.Evaluators;

/// <summary>
/// The example's <c>expected</c> value. Evaluators of this library read <see cref="Expected"/> as JSON; any other
/// <see cref="IEvaluator"/> sees the same value as text content (a string as itself, anything else as compact JSON).
/// </summary>
public sealed class ExpectedOutputContext(JsonNode? expected)
    : EvaluationContext(ContextName, AsContents(expected))
{
    public const string ContextName = "Expected output";

    public JsonNode? Expected { get; } = expected?.DeepClone();

    internal static AIContent[] AsContents(JsonNode? node) => JsonText.ToText(node) is { } text ? [new TextContent(text)] : [];
}

/// <summary>The example's <c>input</c> (usually the variables the prompt was rendered with).</summary>
public sealed class ExampleInputContext(JsonNode? input)
    : EvaluationContext(ContextName, ExpectedOutputContext.AsContents(input))
{
    public const string ContextName = "Example input";

    public JsonNode? Input { get; } = input?.DeepClone();
}
