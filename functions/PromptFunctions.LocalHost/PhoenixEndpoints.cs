using PromptFunctions.Core.Compatibility.Phoenix;
using PromptFunctions.Contracts.Routes;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="Core.Http.PhoenixRoutes.All"/> to <see cref="PhoenixApi"/>, as the Functions app's PhoenixTriggers do.</summary>
internal static class PhoenixEndpoints
{
    public static void MapPhoenixApi(RouteGroupBuilder api, IServiceProvider services)
    {
        var h = services.GetRequiredService<PhoenixApi>();
        ApiEndpoints.Map(api, "PhoenixServerVersion", (HttpRequest r) => h.ServerVersion(r));
        ApiEndpoints.Map(api, "PhoenixListPrompts", (HttpRequest r) => h.ListPrompts(r));
        ApiEndpoints.Map(api, "PhoenixCreatePrompt", (HttpRequest r) => h.CreatePrompt(r));
        ApiEndpoints.Map(api, "PhoenixPatchPrompt", (HttpRequest r, string promptIdentifier) => h.PatchPrompt(r, promptIdentifier));
        ApiEndpoints.Map(api, "PhoenixDeletePrompt", (HttpRequest r, string promptIdentifier) => h.DeletePrompt(r, promptIdentifier));
        ApiEndpoints.Map(api, "PhoenixListPromptVersions", (HttpRequest r, string promptIdentifier) => h.ListPromptVersions(r, promptIdentifier));
        ApiEndpoints.Map(api, "PhoenixGetLatest", (HttpRequest r, string promptIdentifier) => h.GetLatest(r, promptIdentifier));
        ApiEndpoints.Map(api, "PhoenixGetByTag", (HttpRequest r, string promptIdentifier, string tagName) => h.GetByTag(r, promptIdentifier, tagName));
        ApiEndpoints.Map(api, "PhoenixGetVersion", (HttpRequest r, string promptVersionId) => h.GetVersion(r, promptVersionId));
        ApiEndpoints.Map(api, "PhoenixListVersionTags", (HttpRequest r, string promptVersionId) => h.ListVersionTags(r, promptVersionId));
        ApiEndpoints.Map(api, "PhoenixCreateVersionTag", (HttpRequest r, string promptVersionId) => h.CreateVersionTag(r, promptVersionId));
        ApiEndpoints.Map(api, "PhoenixDeleteVersionTag", (HttpRequest r, string promptVersionId, string tagName) => h.DeleteVersionTag(r, promptVersionId, tagName));
    }
}
