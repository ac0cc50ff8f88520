using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Compatibility.Langfuse;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="LangfuseRoutes"/>, as the Functions app's LangfuseTriggers do.</summary>
internal static class LangfuseEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<LangfuseApi>();
        var routes = LangfuseRoutes.All;
        endpoints.Map(routes, "LangfuseListPrompts", (HttpRequest r) => h.ListPrompts(r));
        endpoints.Map(routes, "LangfuseCreatePrompt", (HttpRequest r) => h.CreatePrompt(r));
        endpoints.Map(routes, "LangfuseGetPrompt", (HttpRequest r, string name) => h.GetPrompt(r, name));
        endpoints.Map(routes, "LangfuseDeletePrompt", (HttpRequest r, string name) => h.DeletePrompt(r, name));
        endpoints.Map(routes, "LangfuseUpdatePromptVersion", (HttpRequest r, string name, string version) => h.UpdatePromptVersion(r, name, version));
    }
}
