using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Compatibility.Phoenix;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="PhoenixRoutes"/>, as the Functions app's PhoenixTriggers do.</summary>
internal static class PhoenixEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<PhoenixApi>();
        var routes = PhoenixRoutes.All;
        endpoints.Map(routes, "PhoenixServerVersion", (HttpRequest r) => h.ServerVersion(r));
        endpoints.Map(routes, "PhoenixListPrompts", (HttpRequest r) => h.ListPrompts(r));
        endpoints.Map(routes, "PhoenixCreatePrompt", (HttpRequest r) => h.CreatePrompt(r));
        endpoints.Map(routes, "PhoenixPatchPrompt", (HttpRequest r, string promptIdentifier) => h.PatchPrompt(r, promptIdentifier));
        endpoints.Map(routes, "PhoenixDeletePrompt", (HttpRequest r, string promptIdentifier) => h.DeletePrompt(r, promptIdentifier));
        endpoints.Map(routes, "PhoenixListPromptVersions", (HttpRequest r, string promptIdentifier) => h.ListPromptVersions(r, promptIdentifier));
        endpoints.Map(routes, "PhoenixGetLatest", (HttpRequest r, string promptIdentifier) => h.GetLatest(r, promptIdentifier));
        endpoints.Map(routes, "PhoenixGetByTag", (HttpRequest r, string promptIdentifier, string tagName) => h.GetByTag(r, promptIdentifier, tagName));
        endpoints.Map(routes, "PhoenixGetVersion", (HttpRequest r, string promptVersionId) => h.GetVersion(r, promptVersionId));
        endpoints.Map(routes, "PhoenixListVersionTags", (HttpRequest r, string promptVersionId) => h.ListVersionTags(r, promptVersionId));
        endpoints.Map(routes, "PhoenixCreateVersionTag", (HttpRequest r, string promptVersionId) => h.CreateVersionTag(r, promptVersionId));
        endpoints.Map(routes, "PhoenixDeleteVersionTag", (HttpRequest r, string promptVersionId, string tagName) => h.DeleteVersionTag(r, promptVersionId, tagName));
    }
}
