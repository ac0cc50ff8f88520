using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PromptFunctions.Core.Experiments;
using PromptFunctions.Core.Http;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for the experiment routes; the Durable client comes from the Functions binding.</summary>
public sealed class ExperimentTriggers(ExperimentsApi api, PlaygroundApi playground)
{
    [Function("StartExperiment")]
    public Task<IResult> Start([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExperimentRoutes.Experiments)] HttpRequest request, [DurableClient] DurableTaskClient durable) =>
        api.Start(request, durable);

    [Function("ListExperiments")]
    public Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExperimentRoutes.Experiments)] HttpRequest request) =>
        api.List(request);

    [Function("CompareExperiments")]
    public Task<IResult> Compare([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExperimentRoutes.Compare)] HttpRequest request) =>
        api.Compare(request);

    [Function("GetExperiment")]
    public Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExperimentRoutes.Experiment)] HttpRequest request, string id) =>
        api.Get(request, id);

    [Function("ListExperimentRows")]
    public Task<IResult> Rows([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExperimentRoutes.Rows)] HttpRequest request, string id) =>
        api.Rows(request, id);

    [Function("ExportExperiment")]
    public Task<IResult> Export([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExperimentRoutes.Export)] HttpRequest request, string id) =>
        api.Export(request, id);

    [Function("CancelExperiment")]
    public Task<IResult> Cancel([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExperimentRoutes.Cancel)] HttpRequest request, string id, [DurableClient] DurableTaskClient durable) =>
        api.Cancel(request, id, durable);

    [Function("PromoteExperiment")]
    public Task<IResult> Promote([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExperimentRoutes.Promote)] HttpRequest request, string id) =>
        api.Promote(request, id);

    [Function("RunPlayground")]
    public Task<IResult> Playground([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExperimentRoutes.Playground)] HttpRequest request) =>
        playground.Run(request);
}
