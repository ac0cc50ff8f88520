using System.Text.Json.Nodes;
using PromptFunctions.StubModel;

namespace PromptFunctions.StubModel.Host;

/// <summary>
/// What the stub answers by model name, for suites driven from outside .NET (the web page's browser tests):
/// <list type="bullet">
/// <item><c>stub-wrong</c> answers every question wrongly, so a suite candidate on it regresses;</item>
/// <item><c>stub-optimizer</c> plays the optimizer: it reads the meta-prompt's current template and proposes the same
/// messages with any text before the first variable of each message cut off (the rationale says so), which turns the
/// browser tests' "Please answer: {{question}}" into "{{question}}", which the default answers pass;</item>
/// <item>any other model gets <see cref="StubModelServer.DefaultResponder"/>.</item>
/// </list>
/// </summary>
public static class ScriptedModels
{
    public const string Wrong = "stub-wrong";
    public const string Optimizer = "stub-optimizer";

    public static StubReply Respond(StubRequest request) => request.Model switch
    {
        Wrong => StubReply.Text("wrong: " + request.LastUserText),
        Optimizer => Optimize(request),
        _ => StubModelServer.DefaultResponder(request),
    };

    private static StubReply Optimize(StubRequest request)
    {
        var lines = request.LastUserText.Split('\n');
        var at = Array.FindIndex(lines, l => l.StartsWith("Current template (JSON):", StringComparison.Ordinal));
        if (at < 0 || at + 1 >= lines.Length) return StubReply.Text("""{"candidates": []}""");
        var template = JsonNode.Parse(lines[at + 1])!;
        var rewritten = template.DeepClone();
        if (rewritten is JsonArray messages)
        {
            foreach (var message in messages)
                if (message?["content"] is JsonValue content && content.TryGetValue<string>(out var text)) message["content"] = CutPreamble(text);
        }
        else if (rewritten is JsonValue value && value.TryGetValue<string>(out var single))
        {
            rewritten = CutPreamble(single);
        }
        var candidate = new JsonObject { ["template"] = rewritten, ["rationale"] = "asks the question plainly: the wording before it made the model answer the wording" };
        return StubReply.Text(new JsonObject { ["candidates"] = new JsonArray(candidate) }.ToJsonString());
    }

    private static string CutPreamble(string text)
    {
        var variable = text.IndexOf("{{", StringComparison.Ordinal);
        return variable > 0 ? text[variable..] : text;
    }
}
