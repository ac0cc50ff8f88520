using System.Text.Json.Nodes;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Hardening;

/// <summary>
/// Issue 13, audit: every write through any API is logged with who, which API, what and when; refused writes and
/// reads are not; admins page and filter the log, nobody else reads it. Each test has a host (and log) of its own.
/// </summary>
public sealed class AuditLogTests
{
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Writes_through_every_api_are_logged_and_admins_can_page_and_filter_them(string kind)
    {
        await using var api = await Drivers.StartAsync(kind);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        var native = await api.PostAsync("/api/prompts/audited/versions", new JsonObject { ["version"] = JsonNode.Parse("""{"template":"Hi {{name}}"}""") }, key: TestKeys.Writer);
        Assert.Equal(201, native.Status);
        Assert.Equal(200, (await api.PostAsync("/api/v1/prompts", PhoenixSamples.Create("audited-px", PhoenixSamples.Version()))).Status);
        Assert.Equal(204, (await api.LangfuseAsync(HttpMethod.Delete, LangfuseTestClient.PromptPath("audited-px"))).Status);
        // Not writes that happened: a read, and a refused write.
        Assert.Equal(200, (await api.GetAsync("/api/prompts/audited")).Status);
        Assert.Equal(422, (await api.PostAsync("/api/prompts/audited/versions", new JsonObject { ["version"] = new JsonObject() })).Status);

        var all = await api.GetAsync("/api/audit");
        Assert.Equal(200, all.Status);
        var entries = all.Json["data"]!.AsArray();
        Assert.Equal(["DELETE", "POST", "POST"], entries.Select(e => e!["method"]!.GetValue<string>()));
        Assert.Equal(["langfuse", "phoenix", "native"], entries.Select(e => e!["api"]!.GetValue<string>()));
        Assert.Equal(["admin", "admin", "writer"], entries.Select(e => e!["actor"]!.GetValue<string>()));
        var created = entries[2]!;
        Assert.Equal("/api/prompts/audited/versions", created["path"]!.GetValue<string>());
        Assert.Equal(201, created["status"]!.GetValue<int>());
        Assert.Equal(native.Header("Location"), created["location"]!.GetValue<string>());
        Assert.Equal(native.Header("ETag"), created["etag"]!.GetValue<string>());
        Assert.InRange(DateTimeOffset.Parse(created["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), started, DateTimeOffset.UtcNow.AddSeconds(1));

        // Filters.
        Assert.Single((await api.GetAsync("/api/audit?actor=writer")).Json["data"]!.AsArray());
        Assert.Equal("phoenix", (await api.GetAsync("/api/audit?api=phoenix")).Json["data"]![0]!["api"]!.GetValue<string>());
        Assert.Equal(2, (await api.GetAsync("/api/audit?method=post")).Json["data"]!.AsArray().Count);
        Assert.Empty((await api.GetAsync($"/api/audit?to={Uri.EscapeDataString(started.ToString("O"))}")).Json["data"]!.AsArray());
        Assert.Equal(3, (await api.GetAsync($"/api/audit?from={Uri.EscapeDataString(started.ToString("O"))}")).Json["data"]!.AsArray().Count);

        // Paging one by one walks the same entries in the same order.
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await api.GetAsync($"/api/audit?limit=1{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}")).Json;
            paged.AddRange(page["data"]!.AsArray().Select(e => e!["trace_id"]!.GetValue<string>()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        Assert.Equal(entries.Select(e => e!["trace_id"]!.GetValue<string>()), paged);

        // Admins only; bad filters are 400s.
        Assert.Equal(403, (await api.GetAsync("/api/audit", TestKeys.Writer)).Status);
        Assert.Equal(403, (await api.GetAsync("/api/audit", TestKeys.Reader)).Status);
        Assert.Equal(400, (await api.GetAsync("/api/audit?api=grpc")).Status);
        Assert.Equal(400, (await api.GetAsync("/api/audit?from=yesterday")).Status);
        Assert.Equal(400, (await api.GetAsync("/api/audit?cursor=nonsense")).Status);
    }
}
