using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptFunctions.Client.Tests.Infrastructure;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Client.Tests;

/// <summary>The example of docs/sdk.md, compiled and run here; a test keeps the page's copy identical to this one.</summary>
public static class ReadmeExample
{
    public static void Register(HostApplicationBuilder builder)
    {
        // begin sdk.md registration
        builder.Services.AddPromptFunctionsClient(builder.Configuration.GetSection("PromptFunctions"));
        // end sdk.md registration
    }

    // begin sdk.md example
    public static async Task<string> AnswerAsync(IPromptFunctionsClient prompts, IChatClient chat, string question)
    {
        var prompt = await prompts.GetPromptAsync("support-reply", PromptReference.Tag("production"));
        var messages = prompt.ToChatMessages(new Dictionary<string, object?>
        {
            ["product"] = "Contoso",
            ["language"] = "English",
            ["question"] = question,
        });
        var response = await chat.GetResponseAsync(messages, prompt.ToChatOptions());
        return response.Text;
    }
    // end sdk.md example
}

public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task The_readme_example_fetches_the_production_prompt_and_calls_the_chat_client()
    {
        // Its own storage: the example's prompt name is fixed.
        await using var service = await LocalHostFixture.StartHostAsync();
        await TestPrompts.CreateAsync(service, "support-reply", JsonNode.Parse("""
            {"template": [{"role": "system", "content": "You are a support agent for {{product}}. Answer in {{language}}."},
                          {"role": "user", "content": "{{question}}"}],
             "model": {"provider": "openai", "name": "gpt-4o-mini"},
             "invocation_parameters": {"temperature": 0.2, "max_tokens": 400}}
            """)!, "production");

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PromptFunctions:BaseUrl"] = service.BaseAddress.ToString(),
            ["PromptFunctions:ApiKey"] = TestKeys.Reader,
        });
        ReadmeExample.Register(builder);
        using var host = builder.Build();
        await host.StartAsync();
        var chat = new RecordingChatClient();

        var answer = await ReadmeExample.AnswerAsync(host.Services.GetRequiredService<IPromptFunctionsClient>(), chat, "Where is my order?");

        Assert.Equal("answered: Where is my order?", answer);
        Assert.Equal(["You are a support agent for Contoso. Answer in English.", "Where is my order?"], chat.Messages.Select(m => m.Text));
        Assert.Equal("gpt-4o-mini", chat.Options!.ModelId);
        Assert.Equal(0.2f, chat.Options.Temperature);
        Assert.Equal(400, chat.Options.MaxOutputTokens);
        await host.StopAsync();
    }

    [Fact]
    public void The_sdk_page_shows_the_code_that_is_compiled_here()
    {
        var source = File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "PromptFunctions.Client.Tests", "ReadmeExampleTests.cs"));
        var page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "sdk.md"));

        Assert.Contains(Region(source, "sdk.md registration"), page);
        Assert.Contains(Region(source, "sdk.md example"), page);
    }

    /// <summary>The lines between the markers, with the indentation they share removed.</summary>
    private static string Region(string source, string name)
    {
        var lines = source.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var begin = lines.FindIndex(l => l.Trim() == $"// begin {name}");
        var end = lines.FindIndex(l => l.Trim() == $"// end {name}");
        var body = lines.Skip(begin + 1).Take(end - begin - 1).ToList();
        var indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PromptFunctions.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("PromptFunctions.sln not found above the test binaries.");
    }

    /// <summary>An <see cref="IChatClient"/> that records its input and answers from it, standing in for a model.</summary>
    private sealed class RecordingChatClient : IChatClient
    {
        public List<ChatMessage> Messages { get; } = [];
        public ChatOptions? Options { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Messages.AddRange(messages);
            Options = options;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "answered: " + Messages.Last(m => m.Role == ChatRole.User).Text)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The example does not stream.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
