using System.Text.Json.Nodes;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

public sealed class ExperimentPlanTests
{
    [Theory]
    [InlineData(1000, 50, 250, 2, 25)]
    [InlineData(100_000, 50, 250, 2, 25)]
    [InlineData(10, 1, 10, 1, 1)]
    [InlineData(5_000_000, 200, 2500, 8, 25)]
    [InlineData(7, 30, 4, 2, 15)]
    [InlineData(10_000, 51, 167, 3, 17)]
    [InlineData(1001, 50, 167, 2, 25)]
    public void Plans_split_concurrency_into_lanes_and_bound_the_batch_count(long units, int concurrency, int batchSize, int lanes, int rowConcurrency)
    {
        var plan = ExperimentPlan.For("x", units, concurrency);
        Assert.Equal((batchSize, lanes, rowConcurrency), (plan.BatchSize, plan.Lanes, plan.RowConcurrency));
        Assert.True(plan.Batches <= 2000);
        Assert.True((long)plan.Batches * plan.BatchSize >= units);
        Assert.True(plan.Lanes * plan.RowConcurrency <= concurrency, "the lanes together never exceed max_concurrency");
        Assert.True(plan.Lanes * plan.RowConcurrency > concurrency - plan.Lanes, "and use nearly all of it");
        Assert.True(plan.Batches % plan.Lanes == 0, "the last round keeps every lane busy");
    }

    [Fact]
    public async Task A_run_of_more_batches_than_one_generation_continues_as_new_and_finishes_every_row()
    {
        // Concurrency 1 makes batches of 10 rows, so 1,050 rows are 105 batches: more than one orchestration
        // generation (100 batches), which exercises continue-as-new with the running totals.
        await using var host = await ExperimentTestHost.StartAsync(Drivers.LocalHost);
        await host.Api.CreateVersionAsync("raw", new JsonObject { ["template"] = "echo: {{q}}" });
        await host.UploadAsync("many", Enumerable.Range(0, 1050).Select(i => new JsonObject { ["input"] = new JsonObject { ["q"] = $"{i}" }, ["expected"] = $"{i}" }));

        var id = (await host.StartAsync(new JsonObject
        {
            ["prompt"] = new JsonObject { ["name"] = "raw" },
            ["dataset"] = new JsonObject { ["name"] = "many" },
            ["evaluators"] = JsonNode.Parse("""[{"type":"exact_match"}]"""),
            ["max_concurrency"] = 1,
        }))["id"]!.GetValue<string>();
        var done = await host.WaitAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal("completed", done["status"]!.GetValue<string>());
        Assert.Equal(1050, done["progress"]!["done"]!.GetValue<int>());
        Assert.Equal(1.0, done["aggregates"]!["evaluators"]!["exact_match"]!["pass_rate"]!.GetValue<double>());
        Assert.Equal(1050, (await host.RowsAsync(id)).Count);
        Assert.Equal(1050, host.Model.Calls);
    }
}
