using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Suites;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for the suite routes, and the timer that ticks the suite scheduler.</summary>
public sealed class SuiteTriggers(SuitesApi api, SuiteScheduler scheduler, SuiteOptimizationLauncher optimizations, IOptions<SuitesOptions> options)
{
    [Function("ListSuites")]
    public Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SuiteRoutes.Suites)] HttpRequest request) =>
        api.List(request);

    [Function("GetSuite")]
    public Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SuiteRoutes.Suite)] HttpRequest request, string name) =>
        api.Get(request, name);

    [Function("PutSuite")]
    public Task<IResult> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = SuiteRoutes.Suite)] HttpRequest request, string name) =>
        api.Put(request, name);

    [Function("DeleteSuite")]
    public Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = SuiteRoutes.Suite)] HttpRequest request, string name) =>
        api.Delete(request, name);

    [Function("StartSuiteRun")]
    public Task<IResult> StartRun([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = SuiteRoutes.Runs)] HttpRequest request, string name, [DurableClient] DurableTaskClient durable) =>
        api.StartRun(request, name, durable);

    [Function("ListSuiteRuns")]
    public Task<IResult> ListRuns([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SuiteRoutes.Runs)] HttpRequest request, string name) =>
        api.ListRuns(request, name);

    [Function("GetSuiteRun")]
    public Task<IResult> GetRun([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SuiteRoutes.Run)] HttpRequest request, string id) =>
        api.GetRun(request, id);

    [Function("GetSuiteVerdicts")]
    public Task<IResult> Verdicts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SuiteRoutes.Verdicts)] HttpRequest request) =>
        api.Verdicts(request);

    /// <summary>
    /// Every minute; the timer extension's singleton lock and the run ids derived from occurrences keep it to one run per
    /// occurrence. It also makes the optimization starts regressed runs left pending (this binding has the Durable client
    /// their activities lack), whether or not this host schedules.
    /// </summary>
    [Function("SuiteScheduleTick")]
    public async Task Tick([TimerTrigger("0 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken)
    {
        await optimizations.StartPendingAsync(durable, cancellationToken);
        if (options.Value.SchedulerEnabled) await scheduler.TickAsync(durable, cancellationToken);
    }
}
