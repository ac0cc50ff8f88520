using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

/// <summary>Phoenix request bodies and calls, shaped as <c>@arizeai/phoenix-client</c> sends them.</summary>
internal static class PhoenixSamples
{
    public const string ServerVersionHeader = "x-phoenix-server-version";

    /// <summary>What the client's <c>promptVersion({modelProvider:"OPENAI", ...})</c> builds.</summary>
    public static JsonObject Version(string user = "Hello {{name}}", double temperature = 0.5, string description = "") => new()
    {
        ["description"] = description,
        ["model_provider"] = "OPENAI",
        ["model_name"] = "gpt-4o-mini",
        ["template_type"] = "CHAT",
        ["template_format"] = "MUSTACHE",
        ["template"] = new JsonObject
        {
            ["type"] = "chat",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are {{persona}}." },
                new JsonObject { ["role"] = "user", ["content"] = user }),
        },
        ["invocation_parameters"] = new JsonObject { ["type"] = "openai", ["openai"] = new JsonObject { ["temperature"] = temperature } },
    };

    /// <summary>Every part of the model at once: parts, tool calls and results, tools, tool choice, response format.</summary>
    public static JsonObject RichVersion() => JsonNode.Parse("""
        {
          "description": "rich",
          "model_provider": "OPENAI",
          "model_name": "gpt-4o",
          "template_type": "CHAT",
          "template_format": "F_STRING",
          "template": {"type": "chat", "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Look up {order}."}]},
            {"role": "assistant", "content": [{"type": "tool_call", "tool_call_id": "c1", "tool_call": {"type": "function", "name": "lookup", "arguments": "{\"id\":1}"}}]},
            {"role": "tool", "content": [{"type": "tool_result", "tool_call_id": "c1", "tool_result": {"status": "shipped", "items": [1, 2.5, null]}}]},
            {"role": "tool", "content": [{"type": "tool_result", "tool_call_id": "c2", "tool_result": null}]},
            {"role": "user", "content": "Thanks"}
          ]},
          "invocation_parameters": {"type": "openai", "openai": {"temperature": 1, "max_completion_tokens": 500, "top_p": 0.9,
            "frequency_penalty": -0.5, "presence_penalty": 0.25, "seed": -3, "stop": ["x", "y"], "reasoning_effort": "low",
            "extra_body": {"user": "u1", "nested": {"a": [true]}}}},
          "tools": {"type": "tools",
            "tools": [{"type": "function", "function": {"name": "lookup", "description": "Find an order",
              "parameters": {"type": "object", "properties": {"id": {"type": "integer"}}}, "strict": true}},
              {"type": "function", "function": {"name": "cancel"}}],
            "tool_choice": {"type": "specific_function", "function_name": "lookup"},
            "disable_parallel_tool_calls": true},
          "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "description": "the answer",
            "schema": {"type": "object"}, "strict": false}}
        }
        """)!.AsObject();

    public static JsonObject Create(string prompt, JsonObject version, string? description = null, JsonObject? metadata = null)
    {
        var promptData = new JsonObject { ["name"] = prompt };
        if (description is not null) promptData["description"] = description;
        if (metadata is not null) promptData["metadata"] = metadata;
        return new JsonObject { ["prompt"] = promptData, ["version"] = version.DeepClone() };
    }

    /// <summary>Creates through Phoenix and returns the created <c>PromptVersion</c>.</summary>
    public static async Task<JsonObject> CreateAsync(this IApiDriver api, string prompt, JsonObject version, string? description = null, JsonObject? metadata = null)
    {
        var response = await api.PostAsync("/api/v1/prompts", Create(prompt, version, description, metadata));
        Assert.True(response.Status == 200, response.ToString());
        return response.Json["data"]!.AsObject();
    }

    public static async Task TagAsync(this IApiDriver api, string versionId, string tag, string? description = null, string key = TestKeys.Admin)
    {
        var body = new JsonObject { ["name"] = tag };
        if (description is not null) body["description"] = description;
        var response = await api.PostAsync($"/api/v1/prompt_versions/{versionId}/tags", body, key);
        Assert.True(response.Status == 204, response.ToString());
    }

    public static string Id(this JsonNode node) => node["id"]!.GetValue<string>();

    /// <summary>The version without its id: what a round trip must give back unchanged.</summary>
    public static JsonObject WithoutId(this JsonNode version)
    {
        var copy = version.DeepClone().AsObject();
        copy.Remove("id");
        return copy;
    }

    public static void AssertJsonEqual(JsonNode expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\n     got {actual?.ToJsonString()}");

    public static void AssertText(ApiResponse response, int status, string? body = null)
    {
        Assert.True(response.Status == status, $"expected {status}, got {response}");
        Assert.StartsWith("text/plain", response.ContentType);
        if (body is not null) Assert.Equal(body, response.Body);
        Assert.Equal("15.5.0", response.Header(ServerVersionHeader));
    }

    /// <summary>A FastAPI validation error; returns its faults.</summary>
    public static JsonArray AssertValidation(ApiResponse response)
    {
        Assert.True(response.Status == 422, response.ToString());
        Assert.StartsWith("application/json", response.ContentType);
        Assert.Equal("15.5.0", response.Header(ServerVersionHeader));
        var faults = response.Json["detail"]!.AsArray();
        Assert.NotEmpty(faults);
        Assert.All(faults, f =>
        {
            Assert.False(string.IsNullOrEmpty(f!["type"]!.GetValue<string>()));
            Assert.False(string.IsNullOrEmpty(f["msg"]!.GetValue<string>()));
            Assert.True(f["loc"]!.AsArray()[0]!.GetValue<string>() is "body" or "query");
        });
        return faults;
    }

    public static string Loc(JsonNode fault) => string.Join('.', fault["loc"]!.AsArray().Select(s => s!.ToJsonString().Trim('"')));
}
