using System.Text.Json.Nodes;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Hardening;

/// <summary>
/// Issue 13, family 10: deletes (Phoenix DELETE prompt, Langfuse DELETE prompt, version and label) racing creates,
/// tag moves, tag deletes and rollbacks of the same name through all three APIs. Every answer is a success or a
/// 4xx, and afterwards the rows are consistent (<see cref="PromptStorage.AssertConsistentAsync"/>). Which
/// interleaving happens is up to the scheduler; the assertions hold for every one of them.
/// </summary>
public sealed class DeleteStormTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    private const int Waves = 4;
    private const int Concurrency = 24;

    private static readonly string[] Texts = ["alpha {{name}}", "beta {{name}}", "gamma {{name}}", "delta {{name}}"];

    private static JsonObject Native(string text) => new()
    {
        ["template"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        ["model"] = new JsonObject { ["provider"] = "openai", ["name"] = "gpt-4o-mini" },
    };

    private static JsonObject LangfuseChat(string prompt, string text, string[] labels) => new()
    {
        ["name"] = prompt,
        ["type"] = "chat",
        ["prompt"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        ["labels"] = LangfuseTestClient.Array(labels),
    };

    /// <summary>One operation of the storm, chosen by number so that every run issues the same mix.</summary>
    private static Task<ApiResponse> Operation(IApiDriver api, string prompt, int n)
    {
        var text = Texts[n % Texts.Length];
        var tag = n % 3 == 0 ? "staging" : "canary";
        var lf = LangfuseTestClient.PromptPath(prompt);
        return (n % 13) switch
        {
            0 or 1 => api.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Native(text), ["tags"] = new JsonArray(tag) }),
            2 => api.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Native(text) }),
            3 => api.PutAsync($"/api/prompts/{prompt}/tags/{tag}", new JsonObject { ["version"] = $"v{1 + n % 7}" }),
            4 => api.DeleteAsync($"/api/prompts/{prompt}/tags/{tag}"),
            5 => api.PostAsync($"/api/prompts/{prompt}/tags/{tag}/rollback", new JsonObject()),
            6 => api.PostAsync("/api/v1/prompts", PhoenixSamples.Create(prompt, PhoenixSamples.Version(user: text))),
            7 => api.DeleteAsync($"/api/v1/prompts/{prompt}"),
            8 => api.LangfuseAsync(HttpMethod.Post, LangfuseTestClient.Root, LangfuseChat(prompt, text, [tag])),
            9 => api.LangfuseAsync(HttpMethod.Delete, lf),
            10 => api.LangfuseAsync(HttpMethod.Delete, $"{lf}?version={1 + n % 5}"),
            11 => api.LangfuseAsync(HttpMethod.Delete, $"{lf}?label={tag}"),
            _ => api.LangfuseAsync(HttpMethod.Patch, $"{lf}/versions/{1 + n % 6}", new JsonObject { ["newLabels"] = new JsonArray(tag) }),
        };
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Deletes_racing_creates_and_moves_answer_without_5xx_and_leave_consistent_rows(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("storm");
        var statuses = new List<int>();
        for (var wave = 0; wave < Waves; wave++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(wave * Concurrency, Concurrency).Select(n => Task.Run(() => Operation(api, prompt, n))));
            foreach (var response in responses) Assert.True(response.Status < 500, response.ToString());
            statuses.AddRange(responses.Select(r => r.Status));
            await PromptStorage.AssertConsistentAsync(api, prompt);
        }
        // The storm did both: some deletes and some creates went through.
        Assert.Contains(204, statuses);
        Assert.Contains(201, statuses);

        // And the name works normally afterwards.
        var created = await api.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Native("after the storm"), ["tags"] = new JsonArray("staging") });
        Assert.True(created.Status is 200 or 201, created.ToString());
        var staging = await api.GetAsync($"/api/prompts/{prompt}/tags/staging");
        Assert.Equal(created.Json["id"]!.GetValue<string>(), staging.Json["id"]!.GetValue<string>());
        Assert.True(await PromptStorage.AssertConsistentAsync(api, prompt));
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_prompt_deleted_while_it_is_created_again_keeps_the_new_generation_whole(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("regen");
        for (var round = 0; round < 6; round++)
        {
            await api.CreateVersionAsync(prompt, Native("first"), tags: ["staging"]);
            // A delete and a re-create with tags race: whichever order they commit in, nothing is half deleted.
            var racing = await Task.WhenAll(
                Task.Run(() => api.DeleteAsync($"/api/v1/prompts/{prompt}")),
                Task.Run(() => api.PostAsync($"/api/prompts/{prompt}/versions", new JsonObject { ["version"] = Native("second"), ["tags"] = new JsonArray("canary", "staging") })),
                Task.Run(() => api.PutAsync($"/api/prompts/{prompt}/tags/production", new JsonObject { ["version"] = "v1" })));
            Assert.All(racing, r => Assert.True(r.Status < 500, r.ToString()));
            if (await PromptStorage.AssertConsistentAsync(api, prompt))
            {
                foreach (var tag in (await api.GetAsync($"/api/prompts/{prompt}/tags")).Json["data"]!.AsArray())
                    Assert.Equal(200, (await api.GetAsync($"/api/prompts/{prompt}/versions/{tag!["version"]!["id"]!.GetValue<string>()}")).Status);
            }
        }
    }
}
