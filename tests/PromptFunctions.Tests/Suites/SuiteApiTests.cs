using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Suites;

/// <summary>Suite definitions on both hosts: create, replace with If-Match, read, list, delete, and bad input that stores nothing.</summary>
public sealed class SuiteApiTests
{
    private static Dictionary<string, string> IfMatch(string etag) => new() { ["If-Match"] = etag };

    // Not on the Functions host: it lists suites, so it needs storage holding only its own (a host of its own, tens of
    // seconds on a loaded machine); the definitions' reading and their faults run there in the tests below.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task A_suite_is_created_replaced_under_if_match_read_listed_and_deleted(string kind)
    {
        await using var host = await SuiteTestHost.StartAsync(kind);
        await host.SeedAsync("qa", "questions", 5);
        var definition = SuiteTestHost.Definition("qa", "questions", "other-model");
        definition["schedule"] = new JsonObject { ["cron"] = "0 3 * * *", ["time_zone"] = "Europe/Paris" };

        var created = await host.PutSuiteAsync("nightly", definition);
        Assert.Equal(201, created.Status);
        var etag = created.Header("ETag")!;
        Assert.Equal($"\"{created.Json["etag"]}\"", etag);
        Assert.Equal("/api/suites/nightly", created.Header("Location"));
        // Defaults are filled in and stored: tag production, margin 0.02, enabled, one repetition.
        Assert.Equal("production", created.Json["prompt"]!["tag"]!.GetValue<string>());
        Assert.Equal(0.02, created.Json["margin"]!.GetValue<double>());
        Assert.True(created.Json["enabled"]!.GetValue<bool>());
        Assert.Equal(1, created.Json["repetitions"]!.GetValue<int>());
        var next = DateTimeOffset.Parse(created.Json["next_run_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3, TimeZoneInfo.ConvertTime(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).Hour);

        var same = await host.PutSuiteAsync("nightly", definition, IfMatch(etag));
        Assert.Equal(200, same.Status);
        Assert.Equal(etag, same.Header("ETag"));

        definition["margin"] = 0.05;
        var replaced = await host.PutSuiteAsync("nightly", definition, IfMatch(etag));
        Assert.Equal(200, replaced.Status);
        var newEtag = replaced.Header("ETag")!;
        Assert.NotEqual(etag, newEtag);

        definition["margin"] = 0.1;
        var stale = await host.PutSuiteAsync("nightly", definition, IfMatch(etag));
        Assert.Equal(412, stale.Status);
        Assert.StartsWith("application/problem+json", stale.ContentType);
        Assert.Equal(newEtag.Trim('"'), stale.Json["current_etag"]!.GetValue<string>());
        Assert.Equal(412, (await host.PutSuiteAsync("nightly", definition, new Dictionary<string, string> { ["If-None-Match"] = "*" })).Status);
        Assert.Equal(412, (await host.PutSuiteAsync("other", definition, IfMatch("\"abc\""))).Status);
        Assert.Equal(404, (await host.Api.GetAsync("/api/suites/other")).Status);

        var read = await host.Api.GetAsync("/api/suites/nightly");
        Assert.Equal(200, read.Status);
        Assert.Equal(0.05, read.Json["margin"]!.GetValue<double>());
        Assert.Equal(newEtag, read.Header("ETag"));
        Assert.Equal(304, (await host.Api.GetAsync("/api/suites/nightly", headers: new Dictionary<string, string> { ["If-None-Match"] = newEtag })).Status);
        Assert.Equal(200, (await host.Api.GetAsync("/api/suites/nightly", TestKeys.Reader)).Status);

        Assert.Equal(201, (await host.PutSuiteAsync("another", SuiteTestHost.Definition("qa", "questions", "other-model"))).Status);
        var page1 = await host.Api.GetAsync("/api/suites?limit=1");
        Assert.Equal("another", Assert.Single(page1.Json["data"]!.AsArray())!["name"]!.GetValue<string>());
        var page2 = await host.Api.GetAsync($"/api/suites?limit=1&cursor={page1.Json["next_cursor"]}");
        Assert.Equal("nightly", Assert.Single(page2.Json["data"]!.AsArray())!["name"]!.GetValue<string>());

        Assert.Equal(412, (await host.Api.DeleteAsync("/api/suites/nightly", headers: IfMatch(etag))).Status);
        Assert.Equal(204, (await host.Api.DeleteAsync("/api/suites/nightly", headers: IfMatch(newEtag))).Status);
        Assert.Equal(404, (await host.Api.GetAsync("/api/suites/nightly")).Status);
        Assert.Equal(404, (await host.Api.DeleteAsync("/api/suites/nightly")).Status);
    }

    public static TheoryData<string, string, int, string> BadDefinitions()
    {
        var data = new TheoryData<string, string, int, string>();
        foreach (var kind in Drivers.AllKinds)
        {
            data.Add(kind, """{"schedule":{"cron":"61 * * * *"}}""", 422, "$.schedule.cron");
            data.Add(kind, """{"schedule":{"cron":"every day"}}""", 422, "$.schedule.cron");
            data.Add(kind, """{"schedule":{"cron":"0 3 * * *","time_zone":"Mars/Olympus_Mons"}}""", 422, "$.schedule.time_zone");
            data.Add(kind, """{"candidates":[{"connection":"nope","model":"x"}]}""", 422, "$.candidates[0].connection");
            data.Add(kind, """{"baseline":{"connection":"nope"}}""", 422, "$.baseline.connection");
            data.Add(kind, """{"prompt":{"name":"qa","tag":"does-not-exist"}}""", 422, "$.prompt.tag");
            data.Add(kind, """{"prompt":{"name":"no-such-prompt"}}""", 422, "$.prompt.tag");
            data.Add(kind, """{"prompt":{"name":"qa","version":"v1"}}""", 422, "$.prompt.version");
            data.Add(kind, """{"dataset":{"name":"no-such-dataset"}}""", 422, "$.dataset");
            data.Add(kind, """{"dataset":{"name":"questions","tag":"production"}}""", 422, "$.dataset.tag");
            data.Add(kind, """{"candidates":[]}""", 422, "$.candidates");
            data.Add(kind, """{"evaluators":[]}""", 422, "$.evaluators");
            data.Add(kind, """{"evaluators":[{"type":"telepathy"}]}""", 422, "$.evaluators[0].type");
            data.Add(kind, """{"margin":2}""", 422, "$.margin");
            data.Add(kind, """{"repetitions":0}""", 422, "$.repetitions");
            data.Add(kind, """{"enabled":"yes"}""", 422, "$.enabled");
            data.Add(kind, """{"owner":"me"}""", 422, "$.owner");
            data.Add(kind, "oversized-candidates", 422, "$.candidates");
            data.Add(kind, "oversized-body", 413, "");
        }
        return data;
    }

    [Theory, MemberData(nameof(BadDefinitions))]
    public async Task Bad_definitions_answer_a_problem_and_store_nothing(string kind, string change, int status, string path)
    {
        await using var host = await SuiteTestHost.StartAsync(kind);
        await host.SeedAsync("qa", "questions", 5);
        var definition = SuiteTestHost.Definition("qa", "questions", "other-model");
        var body = change switch
        {
            "oversized-candidates" => Merge(definition, new JsonObject
            {
                ["candidates"] = new JsonArray(Enumerable.Range(0, 11).Select(i => (JsonNode?)new JsonObject { ["connection"] = "stub", ["model"] = $"m{i}" }).ToArray()),
            }).ToJsonString(),
            "oversized-body" => Merge(definition, new JsonObject { ["evaluators"] = new JsonArray(new JsonObject { ["type"] = "contains", ["value"] = new string('x', 1_100_000) }) }).ToJsonString(),
            _ => Merge(definition, JsonNode.Parse(change)!.AsObject()).ToJsonString(),
        };
        // On the shared Functions host, other classes' writes stay out of the comparison.
        await using var quiet = await host.Host.QuietAsync();
        var before = await host.Api.Storage.SnapshotAsync();

        var response = await host.Api.SendAsync(HttpMethod.Put, "/api/suites/bad", body);

        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType);
        if (path.Length > 0) Assert.Contains(response.Json["errors"]!.AsArray(), e => e!["path"]!.GetValue<string>() == path);
        Assert.Equal(before, await host.Api.Storage.SnapshotAsync());
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Bad_requests_on_names_runs_and_roles_answer_problems(string kind)
    {
        await using var host = await SuiteTestHost.StartAsync(kind);
        await host.SeedAsync("qa", "questions", 5);
        var definition = SuiteTestHost.Definition("qa", "questions", "other-model");
        // A name of its own: on the shared Functions host the suite it creates at the end stays.
        var nightly = Drivers.PromptName("nightly");
        await using var quiet = await host.Host.QuietAsync();
        var before = await host.Api.Storage.SnapshotAsync();

        Assert.Equal(400, (await host.Api.PutAsync("/api/suites/Bad%20Name!", definition)).Status);
        Assert.Equal(403, (await host.Api.PutAsync($"/api/suites/{nightly}", definition, TestKeys.Reader)).Status);
        Assert.Equal(401, (await host.Api.PutAsync($"/api/suites/{nightly}", definition, key: null)).Status);
        Assert.Equal(400, (await host.PutSuiteAsync(nightly, definition, new Dictionary<string, string> { ["If-None-Match"] = "\"x\"" })).Status);
        Assert.Equal(404, (await host.Api.SendAsync(HttpMethod.Post, $"/api/suites/{nightly}/runs")).Status);
        Assert.Equal(404, (await host.Api.GetAsync($"/api/suites/{nightly}/runs")).Status);
        Assert.Equal(400, (await host.Api.GetAsync("/api/suite-runs/not-a-run")).Status);
        Assert.Equal(404, (await host.Api.GetAsync($"/api/suite-runs/{new string('a', 32)}")).Status);
        Assert.Equal(400, (await host.Api.GetAsync("/api/suite-verdicts")).Status);
        Assert.Equal(400, (await host.Api.GetAsync($"/api/suite-verdicts?baseline={new string('a', 32)}")).Status);
        Assert.Equal(404, (await host.Api.GetAsync($"/api/suite-verdicts?baseline={new string('a', 32)}&candidate={new string('b', 32)}")).Status);
        Assert.Equal(400, (await host.Api.GetAsync($"/api/suite-verdicts?baseline={new string('a', 32)}&candidate={new string('b', 32)}&margin=-1")).Status);
        Assert.Equal(before, await host.Api.Storage.SnapshotAsync());

        Assert.Equal(201, (await host.PutSuiteAsync(nightly, definition)).Status);
        var withBody = await host.Api.PostAsync($"/api/suites/{nightly}/runs", new JsonObject { ["candidates"] = new JsonArray() });
        Assert.Equal(422, withBody.Status);
        Assert.Equal(403, (await host.Api.SendAsync(HttpMethod.Post, $"/api/suites/{nightly}/runs", key: TestKeys.Reader)).Status);
        Assert.Empty((await host.Api.GetAsync($"/api/suites/{nightly}/runs")).Json["data"]!.AsArray());
    }

    private static JsonObject Merge(JsonObject definition, JsonObject change)
    {
        var merged = (JsonObject)definition.DeepClone();
        foreach (var (key, value) in change)
        {
            if (value is JsonObject inner && merged[key] is JsonObject existing)
                foreach (var (k, v) in inner) existing[k] = v?.DeepClone();
            else merged[key] = value?.DeepClone();
        }
        return merged;
    }
}
