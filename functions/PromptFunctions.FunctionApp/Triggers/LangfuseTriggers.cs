using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Compatibility.Langfuse;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for <see cref="LangfuseRoutes.All"/>; the shared handlers check Basic credentials themselves.</summary>
public sealed class LangfuseTriggers(LangfuseApi api)
{
    [Function("LangfuseListPrompts")]
    public Task<IResult> ListPrompts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LangfuseRoutes.Prompts)] HttpRequest request) =>
        api.ListPrompts(request);

    [Function("LangfuseCreatePrompt")]
    public Task<IResult> CreatePrompt([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = LangfuseRoutes.Prompts)] HttpRequest request) =>
        api.CreatePrompt(request);

    [Function("LangfuseGetPrompt")]
    public Task<IResult> GetPrompt([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = LangfuseRoutes.Prompt)] HttpRequest request, string name) =>
        api.GetPrompt(request, name);

    [Function("LangfuseDeletePrompt")]
    public Task<IResult> DeletePrompt([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = LangfuseRoutes.Prompt)] HttpRequest request, string name) =>
        api.DeletePrompt(request, name);

    [Function("LangfuseUpdatePromptVersion")]
    public Task<IResult> UpdatePromptVersion([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = LangfuseRoutes.PromptVersion)] HttpRequest request, string name, string version) =>
        api.UpdatePromptVersion(request, name, version);
}
