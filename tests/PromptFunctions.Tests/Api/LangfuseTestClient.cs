using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

/// <summary>Calls the Langfuse routes the way Langfuse SDKs do: Basic publicKey:secretKey, names percent-encoded.</summary>
internal static class LangfuseTestClient
{
    public const string Root = "/api/public/v2/prompts";

    /// <summary>Public key (key name) and secret of each test key.</summary>
    public static readonly (string PublicKey, string Secret) Admin = ("admin", TestKeys.Admin);
    public static readonly (string PublicKey, string Secret) Reader = ("reader", TestKeys.Reader);
    public static readonly (string PublicKey, string Secret) Writer = ("writer", TestKeys.Writer);
    public static readonly (string PublicKey, string Secret) Promoter = ("promoter", TestKeys.Promoter);

    public static string Basic(string publicKey, string secret) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{publicKey}:{secret}"));

    public static Dictionary<string, string> Credentials((string PublicKey, string Secret) key) => new() { ["Authorization"] = Basic(key.PublicKey, key.Secret) };

    public static Task<ApiResponse> LangfuseAsync(this IApiDriver driver, HttpMethod method, string pathAndQuery, JsonNode? body = null, (string, string)? key = null) =>
        driver.SendAsync(method, pathAndQuery, body?.ToJsonString(), key: null, Credentials(key ?? Admin), body is null ? null : "application/json");

    public static Task<ApiResponse> LangfuseGetAsync(this IApiDriver driver, string pathAndQuery, (string, string)? key = null) =>
        driver.LangfuseAsync(HttpMethod.Get, pathAndQuery, null, key);

    public static string PromptPath(string name) => $"{Root}/{Uri.EscapeDataString(name)}";

    /// <summary>Creates a prompt version and asserts it was created.</summary>
    public static async Task<JsonObject> CreateLangfuseAsync(this IApiDriver driver, JsonObject body, (string, string)? key = null)
    {
        var response = await driver.LangfuseAsync(HttpMethod.Post, Root, body, key);
        Assert.True(response.Status == 201, response.ToString());
        return response.Json.AsObject();
    }

    public static JsonObject Text(string name, string prompt, string[]? labels = null, JsonNode? config = null, string? commitMessage = null, string[]? tags = null)
    {
        var body = new JsonObject { ["name"] = name, ["type"] = "text", ["prompt"] = prompt };
        if (labels is not null) body["labels"] = Array(labels);
        if (config is not null) body["config"] = config.DeepClone();
        if (commitMessage is not null) body["commitMessage"] = commitMessage;
        if (tags is not null) body["tags"] = Array(tags);
        return body;
    }

    public static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    public static List<string> Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    /// <summary>Asserts Langfuse's error form and returns its message.</summary>
    public static string AssertError(ApiResponse response, int status, string error)
    {
        Assert.True(status == response.Status, $"expected {status}, got {response}");
        Assert.StartsWith("application/json", response.ContentType);
        var body = response.Json.AsObject();
        Assert.Equal(["error", "message"], body.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(error, body["error"]!.GetValue<string>());
        var message = body["message"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message;
    }
}
