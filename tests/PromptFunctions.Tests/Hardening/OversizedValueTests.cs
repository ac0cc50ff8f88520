using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;
using PromptFunctions.Tests.Suites;

namespace PromptFunctions.Tests.Hardening;

/// <summary>
/// Issue 13, family 3: values longer than a table property holds (64 KiB of UTF-16), counting the escapes JSON adds.
/// Where the value belongs to a request's own record (an experiment's metadata, draft, parameters, evaluators, a
/// judge's explanations) it goes to a blob and reads back whole; where it is prompt metadata or a suite definition it
/// is refused with a 4xx that names it, and nothing is stored. Never a 5xx from storage.
/// </summary>
public sealed class OversizedValueTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    private static JsonObject LangfuseCreate(string prompt, IEnumerable<string> tags) => new()
    {
        ["name"] = prompt,
        ["prompt"] = "Hello {{name}}",
        ["tags"] = new JsonArray(tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
    };

    public static TheoryData<string, string> TagsThatGrowWhenEscaped()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { Drivers.LocalHost, Drivers.Functions })
        {
            // 100 tags of 250 characters fit as text (25,000) but not as stored JSON: quotes double, control
            // characters and non-ASCII letters take six characters each.
            foreach (var character in new[] { "\"", "\u0001", "é" }) data.Add(kind, character);
        }
        return data;
    }

    [Theory, MemberData(nameof(TagsThatGrowWhenEscaped))]
    public async Task Langfuse_tags_that_outgrow_a_table_property_when_escaped_are_a_400_naming_them(string kind, string character)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("lftags");
        var tags = Enumerable.Range(0, 100).Select(i => $"{i:D3}" + string.Concat(Enumerable.Repeat(character, 247)));
        var before = await api.Storage.SnapshotAsync();

        var response = await api.LangfuseAsync(HttpMethod.Post, LangfuseTestClient.Root, LangfuseCreate(prompt, tags));

        Assert.True(response.Status == 400, response.ToString());
        Assert.Contains("$.tags", response.Body);
        Assert.Contains("as stored JSON", response.Body);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Langfuse_tags_that_fit_are_stored_and_read_back(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("lftagsok");
        var tags = Enumerable.Range(0, 100).Select(i => $"{i:D3}" + new string('a', 247)).ToList();

        var response = await api.LangfuseAsync(HttpMethod.Post, LangfuseTestClient.Root, LangfuseCreate(prompt, tags));

        Assert.True(response.Status == 201, response.ToString());
        var read = await api.LangfuseGetAsync($"{LangfuseTestClient.PromptPath(prompt)}?label=latest");
        Assert.Equal(tags, read.Json["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Langfuse_tags_that_fit_alone_but_not_with_the_prompts_other_metadata_are_refused_before_any_write(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("lfmeta");
        // Phoenix metadata of 29,000 characters, within Phoenix's own bound.
        await api.CreateAsync(prompt, PhoenixSamples.Version(), metadata: new JsonObject { ["notes"] = new string('n', 29_000) });
        var before = await api.Storage.SnapshotAsync();

        var response = await api.LangfuseAsync(HttpMethod.Post, LangfuseTestClient.Root,
            Chat(LangfuseCreate(prompt, Enumerable.Range(0, 20).Select(i => $"tag-{i}-" + new string('t', 100)))));

        Assert.True(response.Status == 400, response.ToString());
        Assert.Contains("$.tags", response.Body);
        // Nothing was written: not the version, not the tags.
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    // The Phoenix sample is a chat prompt, and a new version cannot change the type.
    private static JsonObject Chat(JsonObject body)
    {
        body["type"] = "chat";
        body["prompt"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello {{name}}" });
        return body;
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Phoenix_metadata_that_outgrows_a_property_when_escaped_is_refused(string kind)
    {
        var api = hosts[kind];
        var prompt = Drivers.PromptName("pxmeta");
        var before = await api.Storage.SnapshotAsync();

        // 20,000 quotes are 40,000 characters of JSON.
        var response = await api.PostAsync("/api/v1/prompts", PhoenixSamples.Create(prompt, PhoenixSamples.Version(), metadata: new JsonObject { ["q"] = new string('"', 20_000) }));

        Assert.True(response.Status is >= 400 and < 500, response.ToString());
        Assert.Contains("metadata", response.Body);
        Assert.Equal(before, await api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task An_experiment_with_values_larger_than_a_table_property_runs_and_reads_them_back_whole(string kind)
    {
        var explanation = "because " + new string('e', 40_000);
        StubReply Respond(StubRequest request) => request.LastUserText.Contains("Rubric", StringComparison.OrdinalIgnoreCase) || request.SystemText.Contains("rubric", StringComparison.OrdinalIgnoreCase)
            ? StubReply.Text(new JsonObject { ["score"] = 1, ["label"] = "pass", ["explanation"] = explanation }.ToJsonString())
            : StubModelServer.DefaultResponder(request);
        await using var host = await ExperimentTestHost.StartAsync(kind, Respond);
        await host.UploadAsync("big-values", Enumerable.Range(0, 3).Select(i => new JsonObject { ["input"] = new JsonObject { ["question"] = $"q{i}" }, ["expected"] = $"q{i}" }));

        // Each of these alone is longer than a table property; quotes make the metadata longer still as JSON.
        var metadata = new JsonObject { ["notes"] = new string('m', 40_000), ["quoted"] = new string('"', 5_000) };
        var draft = new JsonObject
        {
            ["template"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "Context: " + new string('c', 40_000) },
                new JsonObject { ["role"] = "user", ["content"] = "echo: {{question}}" }),
            ["model"] = new JsonObject { ["provider"] = "openai_compatible", ["name"] = "stub-model" },
        };
        // Values are bounded one by one (10,000 characters), not all together.
        var evaluators = new JsonArray(new JsonObject { ["type"] = "exact_match" });
        for (var i = 0; i < 4; i++) evaluators.Add(new JsonObject { ["type"] = "contains", ["name"] = $"needle_{i}", ["value"] = new string((char)('w' + i), 9_000) });
        evaluators.Add(new JsonObject { ["type"] = "llm_judge", ["name"] = "judge", ["rubric"] = "The answer must be good.", ["connection"] = "stub" });

        var started = await host.StartAsync(new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = "big-draft", ["draft"] = draft },
            ["dataset"] = new JsonObject { ["name"] = "big-values" },
            ["evaluators"] = evaluators,
            ["metadata"] = metadata,
        });
        var done = await host.WaitAsync(started["id"]!.GetValue<string>());

        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(metadata.ToJsonString(), done["metadata"]!.ToJsonString());
        Assert.Equal(draft["template"]![0]!["content"]!.GetValue<string>(), done["prompt"]!["draft"]!["template"]!["messages"]![0]!["content"]!.GetValue<string>());
        Assert.Equal(Enumerable.Repeat(9_000, 4), done["evaluators"]!.AsArray().Skip(1).Take(4).Select(e => e!["value"]!.GetValue<string>().Length));
        var rows = await host.RowsAsync(done["id"]!.GetValue<string>());
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Null(r["error"]));
        Assert.All(rows, r => Assert.Equal("pass: " + explanation, r["scores"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "judge")!["explanation"]!.GetValue<string>()));
        // And the list, which reads the same records.
        var listed = (await host.Api.GetAsync("/api/experiments?limit=5")).Json["data"]!.AsArray();
        Assert.Equal(metadata.ToJsonString(), listed.Single(e => e!["id"]!.GetValue<string>() == done["id"]!.GetValue<string>())!["metadata"]!.ToJsonString());
    }

    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_suite_definition_longer_than_a_table_property_is_a_422_and_stores_nothing(string kind)
    {
        await using var host = await SuiteTestHost.StartAsync(kind);
        await host.SeedAsync("qa", "questions", 2);
        var definition = SuiteTestHost.Definition("qa", "questions", "other-model");
        var evaluators = new JsonArray();
        for (var i = 0; i < 5; i++) evaluators.Add(new JsonObject { ["type"] = "contains", ["name"] = $"needle_{i}", ["value"] = new string((char)('a' + i), 9_000) });
        definition["evaluators"] = evaluators;
        var before = await host.Api.Storage.SnapshotAsync();

        var response = await host.PutSuiteAsync("huge", definition);

        Assert.True(response.Status == 422, response.ToString());
        Assert.Contains("as stored JSON", response.Body);
        Assert.Equal(before, await host.Api.Storage.SnapshotAsync());
        Assert.Equal(404, (await host.Api.GetAsync("/api/suites/huge")).Status);
    }
}
