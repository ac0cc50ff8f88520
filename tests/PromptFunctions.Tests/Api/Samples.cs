using System.Text.Json.Nodes;

namespace PromptFunctions.Tests.Api;

internal static class Samples
{
    public static JsonObject Chat(string system = "You are {{persona}}.", string user = "Hello {{name}}", double temperature = 0.2) => new()
    {
        ["template"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = system },
            new JsonObject { ["role"] = "user", ["content"] = user }),
        ["model"] = new JsonObject { ["provider"] = "openai", ["name"] = "gpt-4o-mini" },
        ["invocation_parameters"] = new JsonObject { ["temperature"] = temperature },
    };

    public static JsonObject Text(string template, string format = "mustache") => new()
    {
        ["template"] = template,
        ["template_format"] = format,
    };

    public static Dictionary<string, string> Header(string name, string value) => new() { [name] = value };
}
