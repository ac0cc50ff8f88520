using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Tests.Infrastructure;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.Tests.Storage;

/// <summary>The store against real Azurite: identity, create-only writes, and transactional concurrency.</summary>
public sealed class PromptStoreTests : IAsyncLifetime
{
    private FunctionsDriver _driver = null!;
    private PromptReader Store => _driver.Services.GetRequiredService<PromptReader>();
    private PromptService Service => _driver.Services.GetRequiredService<PromptService>();

    private static ApiPrincipal Actor(string name) => new(name, ApiRoles.Admin);

    public async Task InitializeAsync() => _driver = await FunctionsDriver.StartAsync();

    public async Task DisposeAsync() => await _driver.DisposeAsync();

    private static PromptVersionContent Parse(byte[] canonical) => PromptVersionJson.Parse(JsonNode.Parse(canonical));

    private static PublishOutcome.Published Created(PublishOutcome outcome)
    {
        var published = Assert.IsType<PublishOutcome.Published>(outcome);
        Assert.True(published.Created);
        return published;
    }

    private static PublishOutcome.Published Existing(PublishOutcome outcome)
    {
        var published = Assert.IsType<PublishOutcome.Published>(outcome);
        Assert.False(published.Created);
        return published;
    }

    private static (string Id, byte[] Bytes) Content(string text)
    {
        var content = PromptVersionJson.Parse(new JsonObject { ["template"] = text });
        var bytes = PromptVersionJson.ToCanonicalBytes(content);
        return (CanonicalJson.Sha256Hex(JsonNode.Parse(bytes)), bytes);
    }

    [Fact]
    public async Task Identical_content_is_stored_once_and_returned_as_existing()
    {
        var prompt = Drivers.PromptName("ident");
        var (id, bytes) = Content("Hello {{name}}");

        var first = await Service.PublishAsync(new NewVersion(prompt, Parse(bytes), "one"), [], Actor("a"), null, default);
        var snapshot = await _driver.Storage.SnapshotAsync();
        var second = await Service.PublishAsync(new NewVersion(prompt, Parse(bytes), "two"), [], Actor("b"), null, default);

        var created = Created(first);
        var existing = Existing(second);
        Assert.Equal(created.Version, existing.Version);
        Assert.Equal(1, existing.Version.Sequence);
        Assert.Equal("a", existing.Version.CreatedBy);
        Assert.Equal(snapshot, await _driver.Storage.SnapshotAsync());
        Assert.Equal(bytes, await Store.ReadContentAsync(prompt, id, default));
    }

    [Fact]
    public async Task Content_blob_is_create_only()
    {
        var prompt = Drivers.PromptName("blob");
        var (id, bytes) = Content("Immutable");
        await Service.PublishAsync(new NewVersion(prompt, Parse(bytes)), [], Actor("a"), null, default);
        var container = new Azure.Storage.Blobs.BlobContainerClient(_driver.Storage.ConnectionString, _driver.Storage.VersionsContainer);
        var blob = container.GetBlobClient(PromptReader.BlobName(prompt, id));

        var overwrite = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => blob.UploadAsync(new BinaryData("tampered"),
            new Azure.Storage.Blobs.Models.BlobUploadOptions { Conditions = new Azure.Storage.Blobs.Models.BlobRequestConditions { IfNoneMatch = Azure.ETag.All } }));

        Assert.Equal(409, overwrite.Status);
        Assert.Equal(bytes, await Store.ReadContentAsync(prompt, id, default));
    }

    [Fact]
    public async Task Concurrent_creates_of_different_content_get_distinct_gap_free_sequences()
    {
        var prompt = Drivers.PromptName("seq");
        var contents = Enumerable.Range(0, 32).Select(i => Content($"Variant {i} of {{{{x}}}}")).ToList();

        var outcomes = await Task.WhenAll(contents.Select(c =>
            Task.Run(() => Service.PublishAsync(new NewVersion(prompt, Parse(c.Bytes)), [], Actor("t"), null, default))));

        var sequences = outcomes.Select(o => Created(o).Version.Sequence).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 32).Select(i => (long)i), sequences);
        var promptRecord = await Store.GetPromptAsync(prompt, default);
        Assert.Equal(32, promptRecord!.VersionCount);
        for (var sequence = 1; sequence <= 32; sequence++)
        {
            var record = await Store.GetVersionBySequenceAsync(prompt, sequence, default);
            Assert.NotNull(record);
            Assert.Equal(record, await Store.GetVersionAsync(prompt, record.Id, default));
        }
        var listed = await Store.ListVersionsAsync(prompt, 100, null, default);
        Assert.Equal(Enumerable.Range(1, 32).Reverse().Select(i => (long)i), listed.Items.Select(v => v.Sequence));
    }

    [Fact]
    public async Task Concurrent_identical_creates_store_one_version()
    {
        var prompt = Drivers.PromptName("same");
        var (id, bytes) = Content("Same {{thing}}");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            Task.Run(() => Service.PublishAsync(new NewVersion(prompt, Parse(bytes)), [], Actor("t"), null, default))));

        Assert.Single(outcomes.OfType<PublishOutcome.Published>(), o => o.Created);
        Assert.Equal(15, outcomes.OfType<PublishOutcome.Published>().Count(o => !o.Created));
        Assert.Equal(1, (await Store.GetPromptAsync(prompt, default))!.VersionCount);
    }

    [Fact]
    public async Task Concurrent_conditional_tag_moves_write_one_history_entry_per_accepted_move()
    {
        var prompt = Drivers.PromptName("moves");
        var versions = new List<string>();
        for (var i = 0; i < 65; i++)
        {
            var (id, bytes) = Content($"Version {i}");
            await Service.PublishAsync(new NewVersion(prompt, Parse(bytes)), [], Actor("t"), null, default);
            versions.Add(id);
        }
        var initial = await Service.MoveTagAsync(prompt, "production", versions[0], TagPrecondition.None, Actor("setup"), null, default);
        Assert.IsType<TagChangeOutcome.Changed>(initial);

        // Every mover believes the tag is where it last saw it, like 64 clients racing with If-Match. Each mover
        // retries with the target it saw fail, so more than one move succeeds over the run.
        var accepted = new System.Collections.Concurrent.ConcurrentBag<(long Number, string From, string To)>();
        var rejected = 0;
        await Task.WhenAll(Enumerable.Range(1, 64).Select(i => Task.Run(async () =>
        {
            var expected = versions[0];
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var outcome = await Service.MoveTagAsync(prompt, "production", versions[i], TagPrecondition.PointsAt(expected), Actor($"mover-{i}"), null, default);
                if (outcome is TagChangeOutcome.Changed changed)
                {
                    accepted.Add((changed.Entry.Number, changed.Entry.FromVersion!, changed.Entry.ToVersion!));
                    return;
                }
                var failed = Assert.IsType<TagChangeOutcome.PreconditionFailed>(outcome);
                Interlocked.Increment(ref rejected);
                expected = failed.CurrentVersion!;
            }
        })));

        var history = await Store.GetTagHistoryAsync(prompt, "production", 1000, null, default);
        var moves = history.Items.Where(e => e.Number > 1).OrderBy(e => e.Number).ToList();
        Assert.NotEmpty(accepted);
        Assert.True(rejected > 0, "the race should reject some stale preconditions");
        Assert.Equal(accepted.Count, moves.Count);
        Assert.Equal(accepted.OrderBy(a => a.Number).Select(a => (a.Number, a.From, a.To)), moves.Select(m => (m.Number, m.FromVersion!, m.ToVersion!)));
        // The history is a chain: each accepted move starts where the previous one ended.
        var chain = history.Items.OrderBy(e => e.Number).ToList();
        for (var i = 1; i < chain.Count; i++) Assert.Equal(chain[i - 1].ToVersion, chain[i].FromVersion);
        Assert.Equal(Enumerable.Range(1, chain.Count).Select(n => (long)n), chain.Select(e => e.Number));
        var final = await Store.GetTagAsync(prompt, "production", default);
        Assert.Equal(chain[^1].ToVersion, final!.Target.Id);
    }

    [Fact]
    public async Task Rollback_returns_to_the_previous_target_and_records_it()
    {
        var prompt = Drivers.PromptName("rollback");
        var (a, aBytes) = Content("A");
        var (b, bBytes) = Content("B");
        await Service.PublishAsync(new NewVersion(prompt, Parse(aBytes)), [], Actor("t"), null, default);
        await Service.PublishAsync(new NewVersion(prompt, Parse(bBytes)), [], Actor("t"), null, default);
        await Service.MoveTagAsync(prompt, "production", a, TagPrecondition.None, Actor("t"), "first", default);
        await Service.MoveTagAsync(prompt, "production", b, TagPrecondition.None, Actor("t"), "second", default);

        var rolledBack = Assert.IsType<TagChangeOutcome.Changed>(await Service.RollbackTagAsync(prompt, "production", Actor("ops"), "bad release", default));

        Assert.Equal(a, rolledBack.Tag!.Target.Id);
        Assert.Equal(TagActions.Rollback, rolledBack.Entry.Action);
        Assert.Equal((b, a), (rolledBack.Entry.FromVersion, rolledBack.Entry.ToVersion));
        Assert.Equal(a, (await Store.GetTagAsync(prompt, "production", default))!.Target.Id);
        Assert.Equal(3, (await Store.GetTagHistoryAsync(prompt, "production", 10, null, default)).Items.Count);
    }

    [Fact]
    public async Task Deleted_tag_keeps_its_history_and_can_be_restored_by_rollback()
    {
        var prompt = Drivers.PromptName("deltag");
        var (a, aBytes) = Content("A");
        await Service.PublishAsync(new NewVersion(prompt, Parse(aBytes)), [], Actor("t"), null, default);
        await Service.MoveTagAsync(prompt, "staging", a, TagPrecondition.None, Actor("t"), null, default);

        Assert.IsType<TagChangeOutcome.Changed>(await Service.DeleteTagAsync(prompt, "staging", TagPrecondition.None, Actor("t"), "retire", default));
        Assert.Null(await Store.GetTagAsync(prompt, "staging", default));
        Assert.IsType<TagChangeOutcome.TagNotFound>(await Service.DeleteTagAsync(prompt, "staging", TagPrecondition.None, Actor("t"), null, default));

        var restored = Assert.IsType<TagChangeOutcome.Changed>(await Service.RollbackTagAsync(prompt, "staging", Actor("t"), null, default));
        Assert.Equal(a, restored.Tag!.Target.Id);
        var history = (await Store.GetTagHistoryAsync(prompt, "staging", 10, null, default)).Items;
        Assert.Equal(new[] { TagActions.Rollback, TagActions.Delete, TagActions.Create }, history.Select(h => h.Action));
    }

    [Fact]
    public async Task Prompt_description_and_metadata_come_from_the_first_version_and_can_be_patched()
    {
        var prompt = Drivers.PromptName("meta");
        var (a, aBytes) = Content("A");
        var (b, bBytes) = Content("B");
        await Service.PublishAsync(new NewVersion(prompt, Parse(aBytes), PromptDescription: "first", PromptMetadataJson: """{"team":"x"}"""), [], Actor("t"), null, default);
        await Service.PublishAsync(new NewVersion(prompt, Parse(bBytes), PromptDescription: "ignored", PromptMetadataJson: "{}"), [], Actor("t"), null, default);
        Assert.Equal(("first", """{"team":"x"}"""), ((await Store.GetPromptAsync(prompt, default))!.Description, (await Store.GetPromptAsync(prompt, default))!.MetadataJson));

        var patched = Assert.IsType<UpdatePromptOutcome.Updated>(await Service.UpdatePromptAsync(prompt, new PromptUpdate("second"), Actor("t"), default)).Prompt;
        Assert.Equal("second", patched.Description);
        Assert.Equal("""{"team":"x"}""", patched.MetadataJson);
        Assert.IsType<UpdatePromptOutcome.NotFound>(await Service.UpdatePromptAsync(Drivers.PromptName("none"), new PromptUpdate("x"), Actor("t"), default));
    }

    [Fact]
    public async Task Deleting_a_prompt_removes_its_records_and_never_reuses_sequence_numbers()
    {
        var prompt = Drivers.PromptName("del");
        var (a, aBytes) = Content("A");
        var (b, bBytes) = Content("B");
        await Service.PublishAsync(new NewVersion(prompt, Parse(aBytes)), [], Actor("t"), null, default);
        await Service.PublishAsync(new NewVersion(prompt, Parse(bBytes)), [], Actor("t"), null, default);
        await Service.MoveTagAsync(prompt, "production", b, TagPrecondition.None, Actor("t"), null, default);

        Assert.IsType<DeletePromptOutcome.Deleted>(await Service.DeletePromptAsync(prompt, Actor("t"), default));
        Assert.IsType<DeletePromptOutcome.NotFound>(await Service.DeletePromptAsync(prompt, Actor("t"), default));

        Assert.Null(await Store.GetPromptAsync(prompt, default));
        Assert.Null(await Store.GetVersionAsync(prompt, a, default));
        Assert.Null(await Store.GetTagAsync(prompt, "production", default));
        Assert.DoesNotContain((await Store.ListPromptsAsync(100, null, default)).Items, p => p.Name == prompt);
        Assert.Equal(aBytes, await Store.ReadContentAsync(prompt, a, default));

        var again = Created(await Service.PublishAsync(new NewVersion(prompt, Parse(aBytes), PromptDescription: "reborn"), [], Actor("t"), null, default));
        Assert.Equal(3, again.Version.Sequence);
        Assert.Equal("reborn", (await Store.GetPromptAsync(prompt, default))!.Description);
        Assert.Empty((await Store.GetTagHistoryAsync(prompt, "production", 10, null, default)).Items);
    }
}
