using System.Text.Json.Nodes;
using PromptFunctions.StubModel;
using PromptFunctions.Tests.Experiments;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Optimization;

/// <summary>A host with the stub model, the ticket dataset and the routing prompt (tagged production), ready to optimize.</summary>
public sealed class OptimizationScenario : IAsyncDisposable
{
    private OptimizationScenario(ExperimentTestHost host, string prompt, string dataset, string startVersion)
    {
        Host = host;
        Prompt = prompt;
        Dataset = dataset;
        StartVersion = startVersion;
    }

    public ExperimentTestHost Host { get; }
    public IApiDriver Api => Host.Api;
    public StubModelServer Model => Host.Model;
    public string Prompt { get; }
    public string Dataset { get; }

    /// <summary>The id of the version tagged production, which every run starts from.</summary>
    public string StartVersion { get; }

    public static async Task<OptimizationScenario> StartAsync(string kind, OptimizerScript script, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = await ExperimentTestHost.StartAsync(kind, SupportRouting.Responder(script), settings: settings);
        var dataset = Drivers.PromptName("tickets");
        await host.UploadAsync(dataset, SupportRouting.Tickets());
        var prompt = Drivers.PromptName("routing");
        var created = await host.Api.CreateVersionAsync(prompt, SupportRouting.Version(), ["production"]);
        return new OptimizationScenario(host, prompt, dataset, created["id"]!.GetValue<string>());
    }

    /// <summary>The settings ExperimentTestHost gives a host: a connection <c>stub</c> to the stub model server, with prices.</summary>
    public static Dictionary<string, string?> Settings(Uri endpoint) => new()
    {
        ["Models:stub:Provider"] = "openai-compatible",
        ["Models:stub:Endpoint"] = endpoint.ToString(),
        ["Models:stub:Model"] = SupportRouting.TaskModel,
        ["Models:stub:MaxRetries"] = "3",
        ["Models:stub:RetryBaseDelayMilliseconds"] = "10",
        ["Models:stub:TimeoutSeconds"] = "10",
        ["Experiments:Prices:stub-model:InputPerMillionTokens"] = "1000",
        ["Experiments:Prices:stub-model:OutputPerMillionTokens"] = "2000",
    };

    /// <summary>A request from the production version over the tickets, exact match, validated on split <c>validation</c>.</summary>
    public JsonObject Request(int maxRounds = 4, long maxCalls = 2000, int candidates = 2) => new()
    {
        ["prompt"] = new JsonObject { ["name"] = Prompt, ["tag"] = "production" },
        ["dataset"] = new JsonObject { ["name"] = Dataset },
        ["evaluators"] = new JsonArray(new JsonObject { ["type"] = "exact_match" }),
        ["model"] = new JsonObject { ["connection"] = "stub" },
        ["optimizer"] = new JsonObject { ["connection"] = "stub", ["model"] = SupportRouting.OptimizerModel },
        ["budget"] = new JsonObject { ["max_rounds"] = maxRounds, ["max_model_calls"] = maxCalls },
        ["candidates_per_round"] = candidates,
        ["validation"] = "validation",
    };

    public async Task<JsonObject> StartAsync(JsonObject request)
    {
        var response = await Api.PostAsync("/api/optimizations", request);
        Assert.True(response.Status == 202, response.ToString());
        Assert.Equal(response.Json["status_url"]!.GetValue<string>(), response.Header("Location"));
        return response.Json.AsObject();
    }

    public Task<JsonObject> WaitAsync(string id, TimeSpan? timeout = null) => WaitAsync(Api, id, timeout);

    /// <summary>Polls until the run reaches a final status.</summary>
    public static async Task<JsonObject> WaitAsync(IApiDriver api, string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var response = await api.GetAsync($"/api/optimizations/{id}");
            Assert.True(response.Status == 200, response.ToString());
            var status = response.Json["status"]!.GetValue<string>();
            if (status is "completed" or "failed" or "cancelled") return response.Json.AsObject();
            Assert.True(DateTime.UtcNow < deadline, $"optimization {id} still {status}: {response.Body}");
            await Task.Delay(100);
        }
    }

    /// <summary>Pass rate of a version's content on the validation split, from the run's round records or comparison.</summary>
    public static double Rate(JsonNode? score) => score!["passed"]!.GetValue<int>() / (double)score["examples"]!.GetValue<int>();

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
