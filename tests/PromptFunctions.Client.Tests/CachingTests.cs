using PromptFunctions.Client.Tests.Infrastructure;

namespace PromptFunctions.Client.Tests;

public sealed class CachingTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    private static readonly TimeSpan PastTtl = TimeSpan.FromSeconds(61);

    [Fact]
    public async Task A_fresh_hit_sends_no_request()
    {
        var prompt = TestPrompts.Name("fresh");
        var id = await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("You help with {{product}}."), "production");
        await using var harness = ClientHarness.Create(fixture.BaseUrl);

        var first = await harness.GetAsync(prompt, PromptReference.Production);
        harness.Clock.Advance(TimeSpan.FromSeconds(59));
        var second = harness.Client.GetPromptAsync(prompt, PromptReference.Tag("production"));

        Assert.True(second.IsCompletedSuccessfully);
        Assert.Same(first, await second);
        Assert.Equal(id, first.Id);
        Assert.Equal(prompt, first.Name);
        Assert.Equal(1, first.Sequence);
        Assert.False(first.IsFallback);
        var request = Assert.Single(harness.Log.Records);
        Assert.Equal($"/api/prompts/{prompt}/tags/production", request.Path);
        Assert.Equal(200, request.Status);
        Assert.Null(request.IfNoneMatch);
    }

    [Fact]
    public async Task An_expired_hit_is_served_at_once_and_revalidated_with_a_304()
    {
        var prompt = TestPrompts.Name("expired");
        var id = await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("Stable text."), "production");
        await using var harness = ClientHarness.Create(fixture.BaseUrl);
        var first = await harness.GetAsync(prompt, PromptReference.Production);

        harness.Clock.Advance(PastTtl);
        harness.Log.Hold(); // the revalidation cannot finish before the caller has its answer
        var stale = harness.GetAsync(prompt, PromptReference.Production);
        Assert.True(stale.IsCompletedSuccessfully);
        Assert.Same(first, await stale);
        harness.Log.Release();
        await harness.IdleAsync();

        Assert.Collection(harness.Log.Records,
            initial => Assert.Equal((200, (string?)null), (initial.Status!.Value, initial.IfNoneMatch)),
            revalidation =>
            {
                Assert.Equal(304, revalidation.Status);
                Assert.Equal($"\"{id}.1\"", revalidation.IfNoneMatch);
                Assert.Equal(0, revalidation.ResponseBodyLength);
            });

        // The 304 made the answer fresh again: no request for another TTL.
        harness.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Same(first, await harness.GetAsync(prompt, PromptReference.Production));
        Assert.Equal(2, harness.Log.Records.Count);
    }

    [Fact]
    public async Task A_moved_tag_is_seen_after_the_ttl()
    {
        var prompt = TestPrompts.Name("moved");
        var v1 = await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("First."), "production");
        var v2 = await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("Second."));
        await using var harness = ClientHarness.Create(fixture.BaseUrl);
        Assert.Equal(v1, (await harness.GetAsync(prompt, PromptReference.Production)).Id);

        await TestPrompts.MoveTagAsync(fixture.Host, prompt, "production", v2);
        harness.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(v1, (await harness.GetAsync(prompt, PromptReference.Production)).Id); // within the TTL
        harness.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(v1, (await harness.GetAsync(prompt, PromptReference.Production)).Id); // stale, revalidating
        await harness.IdleAsync();
        var moved = await harness.GetAsync(prompt, PromptReference.Production);

        Assert.Equal(v2, moved.Id);
        Assert.Equal(2, moved.Sequence);
        Assert.Equal("Second.", ((PromptFunctions.Prompts.Model.ChatTemplate)moved.Content.Template).Messages.OfType<PromptFunctions.Prompts.Model.ChatMessageTemplate>().First().Content.Text);
        Assert.Equal([200, 200], harness.Log.Records.Select(r => r.Status!.Value));
        Assert.Equal($"\"{v1}.1\"", harness.Log.Records[1].IfNoneMatch);
    }

    [Fact]
    public async Task A_hundred_concurrent_callers_on_a_cold_key_make_one_request()
    {
        var prompt = TestPrompts.Name("flight");
        await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("Shared."), "production");
        await using var harness = ClientHarness.Create(fixture.BaseUrl);

        harness.Log.Hold();
        var callers = new Task<PromptVersion>[100];
        Parallel.For(0, callers.Length, i => callers[i] = harness.Client.GetPromptAsync(prompt, PromptReference.Production));
        Assert.All(callers, caller => Assert.False(caller.IsCompleted));
        harness.Log.Release();
        var versions = await Task.WhenAll(callers);

        Assert.All(versions, version => Assert.Same(versions[0], version));
        Assert.Equal(1, harness.Log.Started);
        Assert.Single(harness.Log.Records);
    }

    [Fact]
    public async Task Versions_by_id_are_cached_without_expiry_and_filled_by_tag_fetches()
    {
        var prompt = TestPrompts.Name("byid");
        var v1 = await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("One."), "production");
        var v2 = await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("Two."));
        await using var harness = ClientHarness.Create(fixture.BaseUrl);

        var byTag = await harness.GetAsync(prompt, PromptReference.Production);
        Assert.Same(byTag, await harness.GetAsync(prompt, PromptReference.Version(v1)));
        var second = await harness.GetAsync(prompt, PromptReference.Version(v2));
        harness.Clock.Advance(TimeSpan.FromDays(30));
        Assert.Same(second, await harness.GetAsync(prompt, PromptReference.Version(v2)));

        Assert.Equal([$"/api/prompts/{prompt}/tags/production", $"/api/prompts/{prompt}/versions/{v2}"], harness.Log.Records.Select(r => r.Path));
    }

    [Fact]
    public async Task Latest_and_sequence_references_follow_the_ttl()
    {
        var prompt = TestPrompts.Name("latest");
        var v1 = await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("One."));
        await using var harness = ClientHarness.Create(fixture.BaseUrl, configure: o => o.CacheTtl = TimeSpan.FromSeconds(5));

        Assert.Equal(v1, (await harness.GetAsync(prompt, PromptReference.Latest)).Id);
        Assert.Equal(v1, (await harness.GetAsync(prompt, PromptReference.Version(1))).Id);
        var v2 = await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat("Two."));
        harness.Clock.Advance(TimeSpan.FromSeconds(6));
        await harness.GetAsync(prompt, PromptReference.Latest);
        await harness.GetAsync(prompt, PromptReference.Version("v1"));
        await harness.IdleAsync();

        Assert.Equal(v2, (await harness.GetAsync(prompt, PromptReference.Latest)).Id);
        Assert.Equal(v1, (await harness.GetAsync(prompt, PromptReference.Version(1))).Id);
        var records = harness.Log.Records.Select(r => (r.Path, r.Status!.Value)).ToList();
        Assert.Equal([($"/api/prompts/{prompt}/latest", 200), ($"/api/prompts/{prompt}/versions/v1", 200)], records[..2]);
        // The two revalidations run concurrently, in either order.
        Assert.Equal([($"/api/prompts/{prompt}/latest", 200), ($"/api/prompts/{prompt}/versions/v1", 304)], records[2..].Order());
    }

    [Fact]
    public async Task The_version_cache_is_bounded_by_cache_size()
    {
        var prompt = TestPrompts.Name("bound");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await TestPrompts.CreateAsync(fixture.Host, prompt, TestPrompts.Chat($"Version {i}.")));
        await using var harness = ClientHarness.Create(fixture.BaseUrl, configure: o => o.CacheSize = 2);

        foreach (var id in ids) await harness.GetAsync(prompt, PromptReference.Version(id));
        await harness.GetAsync(prompt, PromptReference.Version(ids[2])); // newest: still cached
        await harness.GetAsync(prompt, PromptReference.Version(ids[0])); // oldest: evicted, fetched again

        Assert.Equal([.. ids.Select(id => $"/api/prompts/{prompt}/versions/{id}"), $"/api/prompts/{prompt}/versions/{ids[0]}"], harness.Log.Records.Select(r => r.Path));
    }

    [Fact]
    public async Task Invalid_names_and_references_are_rejected_without_a_request()
    {
        await using var harness = ClientHarness.Create(fixture.BaseUrl);

        await Assert.ThrowsAsync<ArgumentException>("name", () => harness.GetAsync("Bad Name", PromptReference.Production));
        await Assert.ThrowsAsync<ArgumentException>("reference", () => harness.GetAsync("ok", PromptReference.Tag("UPPER")));
        await Assert.ThrowsAsync<ArgumentException>("reference", () => harness.GetAsync("ok", PromptReference.Version("v0")));
        await Assert.ThrowsAsync<ArgumentException>("reference", () => harness.GetAsync("ok", PromptReference.Version(new string('g', 64))));
        await Assert.ThrowsAsync<ArgumentException>("reference", () => harness.GetAsync("ok", default));
        Assert.Empty(harness.Log.Records);
        Assert.Equal(0, harness.Log.Started);
    }
}
