using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Client.Tests.Infrastructure;

public static class TestPrompts
{
    private static int _counter;

    /// <summary>A prompt name no other test uses.</summary>
    public static string Name(string stem) => $"{stem}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..(stem.Length + 20)];

    public static JsonObject Chat(string system, string user = "{{question}}") => new()
    {
        ["template"] = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = system },
            new JsonObject { ["role"] = "user", ["content"] = user }),
        ["model"] = new JsonObject { ["provider"] = "openai", ["name"] = "gpt-4o-mini" },
    };

    /// <summary>Creates a version through the API and returns its id.</summary>
    public static async Task<string> CreateAsync(LocalHostDriver host, string prompt, JsonNode version, params string[] tags)
    {
        var created = await host.CreateVersionAsync(prompt, version, tags.Length == 0 ? null : tags);
        return created["id"]!.GetValue<string>();
    }

    public static async Task MoveTagAsync(LocalHostDriver host, string prompt, string tag, string version)
    {
        var response = await host.PutAsync($"/api/prompts/{prompt}/tags/{tag}", new JsonObject { ["version"] = version });
        Assert.True(response.Status is 200 or 201, response.ToString());
    }
}
