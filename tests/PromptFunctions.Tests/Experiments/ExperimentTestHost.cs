using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Experiments;

/// <summary>
/// A host of any kind wired to a stub model server on loopback through a real OpenAI-compatible connection. On the
/// Functions host it is the shared host and its stub, taken for the test's duration (one experiment test at a time
/// sets the stub's responder and counts its calls), and held in the gate so no other class's quiet section runs
/// while this test's experiments write.
/// </summary>
public sealed class ExperimentTestHost : IAsyncDisposable
{
    private readonly FunctionsHostDriver? _shared;
    private readonly SharedHostGate.SuspendableHold? _hold;

    private ExperimentTestHost(IApiDriver api, StubModelServer model, FunctionsHostDriver? shared = null, SharedHostGate.SuspendableHold? hold = null)
    {
        Api = api;
        Model = model;
        _shared = shared;
        _hold = hold;
    }

    public IApiDriver Api { get; }
    public StubModelServer Model { get; }

    /// <param name="ownHost">A Functions host of this test's own even without settings of its own (to crash it, say).</param>
    public static async Task<ExperimentTestHost> StartAsync(string kind, Func<StubRequest, StubReply>? responder = null, TimeSpan latency = default,
        IReadOnlyDictionary<string, string?>? settings = null, string environment = "Testing",
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices = null, bool ownHost = false)
    {
        if (kind == Drivers.FunctionsHost && settings is null && configureServices is null && environment == "Testing" && !ownHost)
        {
            var shared = await FunctionsHostDriver.SharedAsync();
            await shared.ModelLease.WaitAsync();
            var stub = shared.Model!;
            stub.Responder = responder ?? StubModelServer.DefaultResponder;
            stub.Latency = latency;
            stub.ResetCounters();
            return new ExperimentTestHost(shared, stub, shared, await SharedHostGate.SuspendableHold.TakeAsync(shared.Gate));
        }
        var model = await StubModelServer.StartAsync(responder, latency);
        var all = FunctionsHostDriver.StubModelSettings(model.Endpoint);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return new ExperimentTestHost(await Drivers.StartAsync(kind, all, configureServices, environment: environment), model);
    }

    /// <summary>See <see cref="IApiDriver.QuietAsync"/>; this test's own hold on a shared host is given up meanwhile.</summary>
    public Task<IAsyncDisposable> QuietAsync() => _shared is not null ? _shared.QuietAsync(_hold!) : Api.QuietAsync();

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
        if (_shared is not null)
        {
            await _hold!.DisposeAsync();
            Model.Responder = StubModelServer.DefaultResponder;
            Model.Latency = TimeSpan.Zero;
            _shared.ModelLease.Release();
            return;
        }
        await Api.DisposeAsync();
        await Model.DisposeAsync();
    }
}
