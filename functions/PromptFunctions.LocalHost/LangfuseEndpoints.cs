using PromptFunctions.Core.Http;
using PromptFunctions.Core.Compatibility.Langfuse;
using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="LangfuseRoutes.All"/> to the shared handlers, as the Functions app's Langfuse triggers do.</summary>
internal static class LangfuseEndpoints
{
    public static void Map(RouteGroupBuilder api, IServiceProvider services)
    {
        var h = services.GetRequiredService<LangfuseApi>();
        ApiEndpoints.Map(api, "LangfuseListPrompts", (HttpRequest r) => h.ListPrompts(r));
        ApiEndpoints.Map(api, "LangfuseCreatePrompt", (HttpRequest r) => h.CreatePrompt(r));
        ApiEndpoints.Map(api, "LangfuseGetPrompt", (HttpRequest r, string name) => h.GetPrompt(r, name));
        ApiEndpoints.Map(api, "LangfuseDeletePrompt", (HttpRequest r, string name) => h.DeletePrompt(r, name));
        ApiEndpoints.Map(api, "LangfuseUpdatePromptVersion", (HttpRequest r, string name, string version) => h.UpdatePromptVersion(r, name, version));
    }
}
