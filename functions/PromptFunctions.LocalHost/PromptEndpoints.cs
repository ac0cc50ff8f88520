using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="PromptRoutes"/>, as the Functions app's PromptTriggers do.</summary>
internal static class PromptEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<PromptsApi>();
        var routes = PromptRoutes.All;
        endpoints.Map(routes, "ListPrompts", (HttpRequest r) => h.ListPrompts(r));
        endpoints.Map(routes, "GetPrompt", (HttpRequest r, string name) => h.GetPrompt(r, name));
        endpoints.Map(routes, "CreateVersion", (HttpRequest r, string name) => h.CreateVersion(r, name));
        endpoints.Map(routes, "ListVersions", (HttpRequest r, string name) => h.ListVersions(r, name));
        endpoints.Map(routes, "GetVersion", (HttpRequest r, string name, string id) => h.GetVersion(r, name, id));
        endpoints.Map(routes, "GetVersionVariables", (HttpRequest r, string name, string id) => h.GetVersionVariables(r, name, id));
        endpoints.Map(routes, "GetLatest", (HttpRequest r, string name) => h.GetLatest(r, name));
        endpoints.Map(routes, "Render", (HttpRequest r, string name) => h.Render(r, name));
        endpoints.Map(routes, "Diff", (HttpRequest r, string name) => h.Diff(r, name));
        endpoints.Map(routes, "Drift", (HttpRequest r) => h.Drift(r));
    }
}
