using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptFunctions.Client.Tests.Infrastructure;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Client.Tests;

public sealed class ChatMappingTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    private const string RichVersion = """
        {
          "template": [
            {"role": "system", "content": "You help with {{product}}."},
            {"role": "developer", "content": "Answer in {{language}}."},
            {"type": "placeholder", "name": "history"},
            {"role": "assistant", "content": [
              {"type": "text", "text": "Looking up {{topic}}."},
              {"type": "tool_call", "tool_call_id": "call_1", "tool_call": {"type": "function", "name": "search_kb", "arguments": "{\"query\":\"refunds\",\"limit\":3}"}}]},
            {"role": "tool", "content": [{"type": "tool_result", "tool_call_id": "call_1", "tool_result": {"hits": 2}}]},
            {"role": "user", "content": "{{question}}"}
          ],
          "model": {"provider": "openai", "name": "gpt-4o-mini"},
          "invocation_parameters": {"temperature": 0.2, "max_tokens": 400, "top_p": 0.9, "top_k": 40, "seed": 7, "stop": ["END", "STOP"],
                                    "frequency_penalty": 0.1, "presence_penalty": -0.5, "reasoning_effort": "low",
                                    "logit_bias": {"50256": -100}, "service_tier": "flex", "user_tier": 3},
          "tools": {"tools": [
              {"type": "function", "function": {"name": "search_kb", "description": "Search the knowledge base",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}, "strict": true}},
              {"type": "function", "function": {"name": "escalate"}}],
            "tool_choice": {"type": "function", "function": {"name": "search_kb"}},
            "parallel_tool_calls": false},
          "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "description": "The reply",
            "schema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}, "strict": true}}
        }
        """;

    private static readonly Dictionary<string, object?> Variables = new()
    {
        ["product"] = "Contoso",
        ["language"] = "English",
        ["topic"] = "refunds",
        ["question"] = "Can I return it?",
    };

    private async Task<PromptVersion> FetchRichAsync()
    {
        var prompt = TestPrompts.Name("rich");
        await TestPrompts.CreateAsync(fixture.Host, prompt, JsonNode.Parse(RichVersion)!, "production");
        await using var harness = ClientHarness.Create(fixture.BaseUrl);
        return await harness.GetAsync(prompt, PromptReference.Production);
    }

    [Fact]
    public async Task Messages_map_roles_text_tool_calls_tool_results_and_insert_chat_history()
    {
        var prompt = await FetchRichAsync();
        List<ChatMessage> history = [new(ChatRole.User, "Hi"), new(ChatRole.Assistant, [new TextContent("Hello"), new DataContent(new byte[] { 1, 2 }, "image/png")])];

        var messages = prompt.ToChatMessages(new Dictionary<string, object?>(Variables) { ["history"] = history });

        Assert.Equal([ChatRole.System, PromptChatExtensions.DeveloperRole, ChatRole.User, ChatRole.Assistant, ChatRole.Assistant, ChatRole.Tool, ChatRole.User], messages.Select(m => m.Role));
        Assert.Equal("You help with Contoso.", messages[0].Text);
        Assert.Equal("Answer in English.", messages[1].Text);
        Assert.Same(history[0], messages[2]);
        Assert.Same(history[1], messages[3]);

        var assistant = messages[4];
        Assert.Equal("Looking up refunds.", Assert.IsType<TextContent>(assistant.Contents[0]).Text);
        var call = Assert.IsType<FunctionCallContent>(assistant.Contents[1]);
        Assert.Equal(("call_1", "search_kb"), (call.CallId, call.Name));
        Assert.Null(call.Exception);
        Assert.Equal("refunds", ((JsonElement)call.Arguments!["query"]!).GetString());
        Assert.Equal(3, ((JsonElement)call.Arguments["limit"]!).GetInt32());

        var result = Assert.IsType<FunctionResultContent>(Assert.Single(messages[5].Contents));
        Assert.Equal("call_1", result.CallId);
        Assert.Equal(2, ((JsonElement)result.Result!).GetProperty("hits").GetInt32());
        Assert.Equal("Can I return it?", messages[6].Text);
    }

    [Fact]
    public async Task A_placeholder_given_as_json_messages_is_converted_like_template_messages()
    {
        var prompt = await FetchRichAsync();
        var variables = JsonSerializer.SerializeToNode(Variables)!.AsObject();
        variables["history"] = JsonNode.Parse("""
            [{"role": "user", "content": "What is {{product}}?"},
             {"role": "assistant", "content": [{"type": "tool_call", "tool_call_id": "c0", "tool_call": {"name": "escalate", "arguments": ""}}]},
             {"role": "tool", "content": [{"type": "tool_result", "tool_call_id": "c0", "tool_result": "queued"}]}]
            """);

        var messages = prompt.ToChatMessages(variables);

        Assert.Equal(8, messages.Count);
        // Placeholder messages are copied verbatim, never templated, exactly as the server renders them.
        Assert.Equal("What is {{product}}?", messages[2].Text);
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(messages[3].Contents));
        Assert.Equal(("c0", "escalate"), (call.CallId, call.Name));
        Assert.Empty(call.Arguments!);
        Assert.Equal("queued", Assert.IsType<FunctionResultContent>(Assert.Single(messages[4].Contents)).Result);
        Assert.Equal("You help with Contoso.", messages[0].Text);
    }

    [Fact]
    public async Task Strict_rendering_names_every_missing_variable_and_lenient_rendering_leaves_them_empty()
    {
        var prompt = await FetchRichAsync();

        var missing = Assert.Throws<MissingPromptVariablesException>(() => prompt.ToChatMessages(new Dictionary<string, object?> { ["product"] = "Contoso" }));
        Assert.Equal(["language", "history", "topic", "question"], missing.MissingVariables);
        Assert.Equal(prompt.Name, missing.PromptName);
        Assert.Contains("language, history, topic, question", missing.Message);
        Assert.IsType<PromptRenderException>(missing, exactMatch: false);

        var lenient = prompt.ToChatMessages(new Dictionary<string, object?> { ["product"] = "Contoso" }, strict: false);
        Assert.Equal(["You help with Contoso.", "Answer in ."], lenient.Take(2).Select(m => m.Text));
        Assert.Equal(5, lenient.Count);
    }

    [Fact]
    public async Task A_placeholder_that_is_not_a_list_of_messages_is_a_render_error_with_its_path()
    {
        var prompt = await FetchRichAsync();
        var error = Assert.Throws<PromptRenderException>(() => prompt.ToChatMessages(new Dictionary<string, object?>(Variables) { ["history"] = new[] { new { role = "wizard", content = "x" } } }));
        Assert.Equal("$.variables.history[0].role", Assert.Single(error.Faults).Path);
    }

    [Fact]
    public async Task Options_carry_model_parameters_response_format_tools_and_extras()
    {
        var options = (await FetchRichAsync()).ToChatOptions();

        Assert.Equal("gpt-4o-mini", options.ModelId);
        Assert.Equal(0.2f, options.Temperature);
        Assert.Equal(400, options.MaxOutputTokens);
        Assert.Equal(0.9f, options.TopP);
        Assert.Equal(40, options.TopK);
        Assert.Equal(7L, options.Seed);
        Assert.Equal(["END", "STOP"], options.StopSequences!);
        Assert.Equal(0.1f, options.FrequencyPenalty);
        Assert.Equal(-0.5f, options.PresencePenalty);
        Assert.Equal(ReasoningEffort.Low, options.Reasoning!.Effort);

        var format = Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat);
        Assert.Equal("answer", format.SchemaName);
        Assert.Equal("The reply", format.SchemaDescription);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}"""), JsonSerializer.SerializeToNode(format.Schema)));

        Assert.Equal(["search_kb", "escalate"], options.Tools!.Select(t => t.Name));
        var search = Assert.IsAssignableFrom<AIFunctionDeclaration>(options.Tools![0]);
        Assert.Equal("Search the knowledge base", search.Description);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}"""), JsonSerializer.SerializeToNode(search.JsonSchema)));
        Assert.Equal(true, search.AdditionalProperties[PromptChatExtensions.StrictKey]);
        var escalate = Assert.IsAssignableFrom<AIFunctionDeclaration>(options.Tools![1]);
        Assert.Equal("object", escalate.JsonSchema.GetProperty("type").GetString());
        // The response format's strict flag is an options-wide default in adapters, so unset tools say false.
        Assert.Equal(false, escalate.AdditionalProperties![PromptChatExtensions.StrictKey]);
        Assert.Equal("search_kb", Assert.IsType<RequiredChatToolMode>(options.ToolMode).RequiredFunctionName);
        Assert.False(options.AllowMultipleToolCalls);

        var extras = options.AdditionalProperties!;
        Assert.Equal(["logit_bias", "service_tier", "strict", "user_tier"], extras.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(-100, ((JsonElement)extras["logit_bias"]!).GetProperty("50256").GetInt32());
        Assert.Equal("flex", extras["service_tier"]);
        Assert.Equal(3L, extras["user_tier"]);
        Assert.Equal(true, extras[PromptChatExtensions.StrictKey]);
    }

    [Theory]
    [InlineData("\"auto\"", "auto")]
    [InlineData("\"none\"", "none")]
    [InlineData("\"required\"", "required")]
    [InlineData("null", "unset")]
    public void Tool_choice_maps_to_tool_mode(string choice, string expected)
    {
        var tools = JsonNode.Parse("""{"tools": [{"type": "function", "function": {"name": "f"}}], "parallel_tool_calls": true}""")!.AsObject();
        if (choice != "null") tools["tool_choice"] = JsonNode.Parse(choice);
        var options = Version(new JsonObject { ["template"] = "Hi", ["tools"] = tools }).ToChatOptions();

        var mode = options.ToolMode switch
        {
            null => "unset",
            NoneChatToolMode => "none",
            AutoChatToolMode => "auto",
            RequiredChatToolMode { RequiredFunctionName: null } => "required",
            _ => "other",
        };
        Assert.Equal(expected, mode);
        Assert.True(options.AllowMultipleToolCalls);
        // Without a strict response format, tools without their own flag carry none.
        Assert.False(Assert.Single(options.Tools!).AdditionalProperties.ContainsKey(PromptChatExtensions.StrictKey));
        Assert.Null(options.AdditionalProperties);
    }

    [Fact]
    public void Json_object_format_max_completion_tokens_and_efforts_without_a_member_map_as_documented()
    {
        var options = Version(JsonNode.Parse("""
            {"template": "Hi", "response_format": {"type": "json_object"},
             "invocation_parameters": {"max_tokens": 100, "max_completion_tokens": 200, "reasoning_effort": "minimal"}}
            """)!.AsObject()).ToChatOptions();

        Assert.Same(ChatResponseFormat.Json, options.ResponseFormat);
        Assert.Equal(200, options.MaxOutputTokens);
        Assert.Null(options.Reasoning);
        Assert.Equal(100L, options.AdditionalProperties!["max_tokens"]);
        Assert.Equal("minimal", options.AdditionalProperties["reasoning_effort"]);
        Assert.Null(options.ModelId);
        Assert.Null(options.Tools);
    }

    [Fact]
    public void A_string_template_becomes_one_user_message_and_each_options_call_is_a_new_instance()
    {
        var prompt = Version(new JsonObject { ["template"] = "Summarize {text!r}.", ["template_format"] = "f_string" });

        var message = Assert.Single(prompt.ToChatMessages(new Dictionary<string, object?> { ["text"] = "it" }));

        Assert.Equal(ChatRole.User, message.Role);
        Assert.Equal("Summarize 'it'.", message.Text);
        Assert.NotSame(prompt.ToChatOptions(), prompt.ToChatOptions());
    }

    private static PromptVersion Version(JsonObject content) => new()
    {
        Name = "local",
        Id = PromptVersionJson.ComputeId(PromptVersionJson.Parse(content)),
        Sequence = 1,
        CreatedAt = DateTimeOffset.UnixEpoch,
        CreatedBy = "test",
        Content = PromptVersionJson.Parse(content),
    };
}
