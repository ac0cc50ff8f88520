using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

/// <summary>A host (either kind) wired to a stub model server on loopback through a real OpenAI-compatible connection.</summary>
public sealed class ExperimentTestHost : IAsyncDisposable
{
    private ExperimentTestHost(IApiDriver api, StubModelServer model)
    {
        Api = api;
        Model = model;
    }

    public IApiDriver Api { get; }
    public StubModelServer Model { get; }

    public static async Task<ExperimentTestHost> StartAsync(string kind, Func<StubRequest, StubReply>? responder = null, TimeSpan latency = default,
        IReadOnlyDictionary<string, string?>? settings = null, string environment = "Testing",
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices = null)
    {
        var model = await StubModelServer.StartAsync(responder, latency);
        var all = new Dictionary<string, string?>
        {
            ["Models:stub:Provider"] = "openai-compatible",
            ["Models:stub:Endpoint"] = model.Endpoint.ToString(),
            ["Models:stub:Model"] = "stub-model",
            ["Models:stub:MaxRetries"] = "3",
            ["Models:stub:RetryBaseDelayMilliseconds"] = "10",
            ["Models:stub:TimeoutSeconds"] = "10",
            ["Experiments:Prices:stub-model:InputPerMillionTokens"] = "1000",
            ["Experiments:Prices:stub-model:OutputPerMillionTokens"] = "2000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return new ExperimentTestHost(await Drivers.StartAsync(kind, all, configureServices, environment: environment), model);
    }

    /// <summary>Uploads JSON examples and returns the version id.</summary>
    public async Task<string> UploadAsync(string dataset, IEnumerable<JsonObject> examples)
    {
        var response = await Api.PostAsync($"/api/datasets/{dataset}/versions", new JsonObject { ["examples"] = new JsonArray(examples.Select(e => (JsonNode?)e).ToArray()) });
        Assert.True(response.Status is 200 or 201, response.ToString());
        return response.Json["id"]!.GetValue<string>();
    }

    public async Task<JsonObject> StartAsync(JsonObject request, int expectedStatus = 202)
    {
        var response = await Api.PostAsync("/api/experiments", request);
        Assert.True(response.Status == expectedStatus, response.ToString());
        return response.Json.AsObject();
    }

    /// <summary>Polls until the experiment reaches a final status.</summary>
    public async Task<JsonObject> WaitAsync(string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var response = await Api.GetAsync($"/api/experiments/{id}");
            Assert.Equal(200, response.Status);
            var status = response.Json["status"]!.GetValue<string>();
            if (status is "completed" or "failed" or "cancelled") return response.Json.AsObject();
            Assert.True(DateTime.UtcNow < deadline, $"experiment {id} still {status}: {response.Body}");
            await Task.Delay(100);
        }
    }

    public async Task<List<JsonObject>> RowsAsync(string id)
    {
        var rows = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var response = await Api.GetAsync($"/api/experiments/{id}/rows?limit=100{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.Equal(200, response.Status);
            rows.AddRange(response.Json["data"]!.AsArray().Select(r => r!.AsObject()));
            cursor = response.Json["next_cursor"]?.GetValue<string>();
        } while (cursor is not null);
        return rows;
    }

    public static JsonObject Prompt(string name, string? tag = null) => tag is null ? new() { ["name"] = name } : new() { ["name"] = name, ["tag"] = tag };

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Model.DisposeAsync();
    }
}
