using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Datasets;

/// <summary>The in-process read API the experiment engine uses: batches by index range, over real storage.</summary>
public sealed class DatasetStoreTests : IAsyncLifetime
{
    private IApiDriver _api = null!;
    private DatasetStore _store = null!;

    public async Task InitializeAsync()
    {
        _api = await Drivers.StartAsync(Drivers.Functions);
        _store = _api.Services.GetRequiredService<DatasetStore>();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    /// <summary>1,000 examples: 250 without a split, 416 in "a0", 334 in "b0", interleaved; lines of one group have one length.</summary>
    private async Task<(DatasetVersionRecord Version, List<string> Order)> SeedAsync(string dataset)
    {
        var examples = Enumerable.Range(0, 1000).Select(i => new JsonObject
        {
            ["id"] = $"e{i:D4}",
            ["input"] = new JsonObject { ["n"] = $"{i:D4}" },
            ["split"] = i % 4 == 0 ? "x0" : i % 4 == 1 ? "a0" : i % 4 == 2 && i < 666 ? "a0" : "b0",
        }).ToList();
        foreach (var e in examples.Where(e => e["split"]!.GetValue<string>() == "x0")) e.Remove("split");
        var created = await _api.CreateAsync(dataset, DatasetClient.JsonBody([.. examples]), DatasetClient.Json);
        var version = await _store.GetVersionAsync(dataset, created["id"].Str()!, default);
        var order = examples.Where(e => e["split"] is null)
            .Concat(examples.Where(e => e["split"]?.GetValue<string>() == "a0"))
            .Concat(examples.Where(e => e["split"]?.GetValue<string>() == "b0"))
            .Select(e => e["id"]!.GetValue<string>()).ToList();
        return (version!, order);
    }

    [Fact]
    public async Task Batches_at_any_offset_match_the_whole_read()
    {
        var dataset = Drivers.PromptName("store");
        var (version, order) = await SeedAsync(dataset);
        Assert.Equal([(null, 250L), ("a0", 416L), ("b0", 334L)], version.Groups.Select(g => (g.Name, g.Count)));

        var whole = await _store.ReadExamplesAsync(dataset, "v1", null, 0, 5000).ToListAsync();
        Assert.Equal(order, whole.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), whole.Select(e => e.Index));

        foreach (var (offset, count) in new[] { (0, 1), (99, 2), (100, 100), (240, 20), (249, 400), (583, 1), (777, 300), (999, 5), (1000, 10), (0, 0) })
        {
            var batch = await _store.ReadExamplesAsync(version, null, offset, count).ToListAsync();
            Assert.Equal(whole.Skip(offset).Take(count).Select(e => (e.Id, e.Index)), batch.Select(e => (e.Id, e.Index)));
        }
        var a = whole.Where(e => e.Split == "a0").ToList();
        foreach (var (offset, count) in new[] { (0, 416), (1, 99), (150, 183), (415, 10), (416, 1) })
        {
            var batch = await _store.ReadExamplesAsync(dataset, version.Id, "a0", offset, count).ToListAsync();
            Assert.Equal(a.Skip(offset).Take(count).Select(e => (e.Id, e.Index)), batch.Select(e => (e.Id, e.Index)));
        }

        var page = await _store.ReadPageAsync(version, "b0", 300, 100, default);
        Assert.Equal(34, page.Items.Count);
        Assert.Null(page.NextOffset);
        Assert.Equal(210, (await _store.ReadPageAsync(version, "b0", 200, 10, default)).NextOffset);
        Assert.Equal("""{"n":"0001"}""", whole.Single(e => e.Id == "e0001").Input.ToJsonString());
    }

    [Fact]
    public async Task A_batch_reads_only_the_rows_between_its_checkpoints()
    {
        var dataset = Drivers.PromptName("store");
        var (version, _) = await SeedAsync(dataset);
        var unsplitLine = version.Groups[0].ByteLength / version.Groups[0].Count;
        var splitLine = version.Groups[1].ByteLength / version.Groups[1].Count;
        Assert.Equal(version.ContentBytes, version.Groups.Sum(g => g.Count * (g.Name is null ? unsplitLine : splitLine)));
        using var counter = new LargeDatasetTests.ContentBytesCounter(dataset);

        // Local rows 123-222 of a0: the read starts at its checkpoint 100 and stops after row 222.
        var batch = await _store.ReadExamplesAsync(version, "a0", 123, 100).ToListAsync();
        Assert.Equal(100, batch.Count);
        Assert.Equal((23 + 100) * splitLine, counter.Total);

        // Across the boundary of two groups: each is read from its own checkpoint.
        counter.Reset();
        await _store.ReadExamplesAsync(version, null, 240, 20).ToListAsync();
        Assert.Equal(50 * unsplitLine + 10 * splitLine, counter.Total);
    }

    [Fact]
    public async Task Unknown_versions_and_splits_are_reported()
    {
        var dataset = Drivers.PromptName("store");
        var (version, _) = await SeedAsync(dataset);
        await Assert.ThrowsAsync<KeyNotFoundException>(async () => await _store.ReadExamplesAsync(dataset, "v2", null, 0, 1).ToListAsync());
        await Assert.ThrowsAsync<ArgumentException>(async () => await _store.ReadExamplesAsync(version, "nope", 0, 1).ToListAsync());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await _store.ReadExamplesAsync(version, null, -1, 1).ToListAsync());
        Assert.Null(await _store.GetVersionAsync(dataset, "latest", default));
    }

    [Fact]
    public async Task Concurrent_identical_uploads_make_one_version()
    {
        var dataset = Drivers.PromptName("store");
        var csv = "q,expected\n" + string.Concat(Enumerable.Range(0, 500).Select(i => $"question {i},{i}\n"));
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _api.UploadAsync(dataset, csv, DatasetClient.Csv)));
        Assert.Equal(1, responses.Count(r => r.Status == 201));
        Assert.Equal(3, responses.Count(r => r.Status == 200));
        Assert.Single(responses.Select(r => r.Json["id"].Str()).Distinct());
        Assert.Equal(1, (await _api.GetAsync($"/api/datasets/{dataset}")).Json["version_count"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(Drivers.LocalHost, "Datasets:ExamplesContainer", "Not_A_Container", "ExamplesContainer")]
    [InlineData(Drivers.Functions, "Datasets:ExamplesContainer", "Not_A_Container", "ExamplesContainer")]
    [InlineData(Drivers.LocalHost, "Datasets:MaxUploadBytes", "10", "MaxUploadBytes")]
    [InlineData(Drivers.Functions, "Datasets:Table", "x", "Table")]
    public async Task Invalid_dataset_settings_fail_at_start(string kind, string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            if (kind == Drivers.LocalHost)
            {
                await using var host = await LocalHostDriver.StartAsync(settings);
                return;
            }
            await using var functions = await FunctionsDriver.StartAsync(settings);
            functions.Services.GetRequiredService<IStartupValidator>().Validate();
        });
        Assert.Contains(expected, failure.Message);
    }
}
