using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Tests.Infrastructure;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.Tests.Storage;

/// <summary><see cref="PromptService.DeleteVersionAsync"/> against real Azurite.</summary>
public sealed class DeleteVersionTests : IAsyncLifetime
{
    private FunctionsDriver _driver = null!;
    private PromptReader Store => _driver.Services.GetRequiredService<PromptReader>();
    private PromptService Service => _driver.Services.GetRequiredService<PromptService>();

    private static ApiPrincipal Actor(string name) => new(name, ApiRoles.Admin);

    public async Task InitializeAsync() => _driver = await FunctionsDriver.StartAsync();

    public async Task DisposeAsync() => await _driver.DisposeAsync();

    private async Task<VersionRecord> CreateAsync(string prompt, string text)
    {
        var content = PromptVersionJson.Parse(new JsonObject { ["template"] = text });
        var outcome = Assert.IsType<PublishOutcome.Published>(await Service.PublishAsync(new NewVersion(prompt, content), [], Actor("t"), null, default));
        Assert.True(outcome.Created);
        return outcome.Version;
    }

    private async Task<List<string>> RowKeysAsync(string prompt)
    {
        var table = new TableClient(_driver.Storage.ConnectionString, _driver.Storage.PromptsTable);
        var keys = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {prompt}"), select: ["RowKey"]))
            keys.Add(row.RowKey);
        return keys;
    }

    [Fact]
    public async Task Deleting_a_middle_version_removes_its_records_and_tags_with_history_and_keeps_latest()
    {
        var prompt = Drivers.PromptName("delmid");
        var v1 = await CreateAsync(prompt, "one");
        var v2 = await CreateAsync(prompt, "two");
        var v3 = await CreateAsync(prompt, "three");
        await Service.MoveTagAsync(prompt, "staging", v2.Id, TagPrecondition.None, Actor("t"), null, default);
        await Service.MoveTagAsync(prompt, "canary", v2.Id, TagPrecondition.None, Actor("t"), null, default);
        await Service.MoveTagAsync(prompt, "production", v1.Id, TagPrecondition.None, Actor("t"), null, default);

        var outcome = await Service.DeleteVersionAsync(prompt, v2.Id, Actor("remover"), "cleanup", default);

        var deleted = Assert.IsType<DeleteVersionOutcome.Deleted>(outcome);
        Assert.Equal(v2, deleted.Version);
        Assert.False(deleted.PromptDeleted);
        Assert.Equal(["canary", "staging"], deleted.RemovedTags.Select(e => e.Tag).Order());
        Assert.All(deleted.RemovedTags, e => Assert.Equal((TagActions.Delete, v2.Id, (string?)null, "remover", "cleanup"), (e.Action, e.FromVersion, e.ToVersion, e.Actor, e.Reason)));

        Assert.Null(await Store.GetVersionAsync(prompt, v2.Id, default));
        Assert.Null(await Store.GetVersionBySequenceAsync(prompt, 2, default));
        Assert.Equal(v1, await Store.GetVersionBySequenceAsync(prompt, 1, default));
        Assert.Equal(["production"], (await Store.ListTagsAsync(prompt, default)).Select(t => t.Name));
        var history = await Store.GetTagHistoryAsync(prompt, "staging", 10, null, default);
        Assert.Equal([TagActions.Delete, TagActions.Create], history.Items.Select(e => e.Action));
        var promptRecord = await Store.GetPromptAsync(prompt, default);
        Assert.Equal(v3, promptRecord!.Latest);
        Assert.Equal([3L, 1L], (await Store.ListVersionsAsync(prompt, 10, null, default)).Items.Select(v => v.Sequence));
        // The content stays: it is content-addressed and may be shared with a later re-post.
        Assert.NotNull(await Store.ReadContentAsync(prompt, v2.Id, default));
    }

    [Fact]
    public async Task Deleting_the_latest_version_makes_the_newest_remaining_one_latest_and_never_reuses_its_number()
    {
        var prompt = Drivers.PromptName("dellatest");
        var v1 = await CreateAsync(prompt, "one");
        var v2 = await CreateAsync(prompt, "two");

        Assert.IsType<DeleteVersionOutcome.Deleted>(await Service.DeleteVersionAsync(prompt, v2.Id, Actor("t"), null, default));

        var promptRecord = await Store.GetPromptAsync(prompt, default);
        Assert.Equal(v1, promptRecord!.Latest);
        Assert.Equal(1, promptRecord.Latest!.Sequence);
        var again = await CreateAsync(prompt, "two");
        Assert.Equal(v2.Id, again.Id);
        Assert.Equal(3, again.Sequence);
        Assert.Equal(again, (await Store.GetPromptAsync(prompt, default))!.Latest);
    }

    [Fact]
    public async Task Deleting_the_only_version_deletes_the_prompt()
    {
        var prompt = Drivers.PromptName("delonly");
        var v1 = await CreateAsync(prompt, "only");
        await Service.MoveTagAsync(prompt, "production", v1.Id, TagPrecondition.None, Actor("t"), null, default);

        var deleted = Assert.IsType<DeleteVersionOutcome.Deleted>(await Service.DeleteVersionAsync(prompt, v1.Id, Actor("t"), null, default));

        Assert.True(deleted.PromptDeleted);
        Assert.Equal(["production"], deleted.RemovedTags.Select(e => e.Tag));
        Assert.Null(await Store.GetPromptAsync(prompt, default));
        Assert.DoesNotContain(prompt, (await Store.ListPromptsAsync(100, null, default)).Items.Select(p => p.Name));
        Assert.Equal(["prompt"], await RowKeysAsync(prompt));
        Assert.Equal(2, (await CreateAsync(prompt, "only")).Sequence);
    }

    [Fact]
    public async Task Unknown_versions_and_prompts_are_not_found_and_change_nothing()
    {
        var prompt = Drivers.PromptName("delnone");
        await CreateAsync(prompt, "kept");
        var before = await _driver.Storage.SnapshotAsync();

        Assert.IsType<DeleteVersionOutcome.NotFound>(await Service.DeleteVersionAsync(prompt, new string('a', 64), Actor("t"), null, default));
        Assert.IsType<DeleteVersionOutcome.NotFound>(await Service.DeleteVersionAsync(prompt, "not-an-id", Actor("t"), null, default));
        Assert.IsType<DeleteVersionOutcome.NotFound>(await Service.DeleteVersionAsync(Drivers.PromptName("nobody"), new string('a', 64), Actor("t"), null, default));

        Assert.Equal(before, await _driver.Storage.SnapshotAsync());
    }

    [Fact]
    public async Task A_version_with_more_tags_than_one_transaction_holds_loses_all_of_them()
    {
        var prompt = Drivers.PromptName("delmany");
        var v1 = await CreateAsync(prompt, "one");
        var v2 = await CreateAsync(prompt, "two");
        var tags = Enumerable.Range(0, 60).Select(i => $"t{i:D2}").ToList();
        foreach (var tag in tags) await Service.MoveTagAsync(prompt, tag, v1.Id, TagPrecondition.None, Actor("t"), null, default);

        var deleted = Assert.IsType<DeleteVersionOutcome.Deleted>(await Service.DeleteVersionAsync(prompt, v1.Id, Actor("t"), null, default));

        Assert.Equal(tags, deleted.RemovedTags.Select(e => e.Tag).Order());
        Assert.Empty(await Store.ListTagsAsync(prompt, default));
        Assert.Equal(v2, (await Store.GetPromptAsync(prompt, default))!.Latest);
    }

    [Fact]
    public async Task Concurrent_deletes_of_one_version_succeed_once()
    {
        var prompt = Drivers.PromptName("delrace");
        var v1 = await CreateAsync(prompt, "one");
        await CreateAsync(prompt, "two");
        await Service.MoveTagAsync(prompt, "staging", v1.Id, TagPrecondition.None, Actor("t"), null, default);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Service.DeleteVersionAsync(prompt, v1.Id, Actor("t"), null, default))));

        Assert.Single(outcomes.OfType<DeleteVersionOutcome.Deleted>());
        Assert.Equal(7, outcomes.OfType<DeleteVersionOutcome.NotFound>().Count());
        Assert.Single((await Store.GetTagHistoryAsync(prompt, "staging", 10, null, default)).Items, e => e.Action == TagActions.Delete);
    }
}
