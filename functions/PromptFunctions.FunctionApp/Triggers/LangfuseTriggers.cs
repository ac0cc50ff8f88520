using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Langfuse;

namespace PromptFunctions.FunctionApp.Triggers;

/// <summary>HTTP adapters for <see cref="ApiRoutes.Langfuse"/>; the shared handlers check Basic credentials themselves.</summary>
public sealed class LangfuseTriggers(LangfuseApi api)
{
    [Function("LangfuseListPrompts")]
    public Task<IResult> ListPrompts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.LangfusePrompts)] HttpRequest request) =>
        api.ListPrompts(request);

    [Function("LangfuseCreatePrompt")]
    public Task<IResult> CreatePrompt([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.LangfusePrompts)] HttpRequest request) =>
        api.CreatePrompt(request);

    [Function("LangfuseGetPrompt")]
    public Task<IResult> GetPrompt([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.LangfusePrompt)] HttpRequest request, string name) =>
        api.GetPrompt(request, name);

    [Function("LangfuseDeletePrompt")]
    public Task<IResult> DeletePrompt([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ApiRoutes.LangfusePrompt)] HttpRequest request, string name) =>
        api.DeletePrompt(request, name);

    [Function("LangfuseUpdatePromptVersion")]
    public Task<IResult> UpdatePromptVersion([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ApiRoutes.LangfusePromptVersion)] HttpRequest request, string name, string version) =>
        api.UpdatePromptVersion(request, name, version);
}
