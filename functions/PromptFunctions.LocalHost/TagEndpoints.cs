using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="TagRoutes"/>, as the Functions app's TagTriggers do.</summary>
internal static class TagEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<TagsApi>();
        var routes = TagRoutes.All;
        endpoints.Map(routes, "ListTags", (HttpRequest r, string name) => h.ListTags(r, name));
        endpoints.Map(routes, "GetTag", (HttpRequest r, string name, string tag) => h.GetTag(r, name, tag));
        endpoints.Map(routes, "PutTag", (HttpRequest r, string name, string tag) => h.PutTag(r, name, tag));
        endpoints.Map(routes, "DeleteTag", (HttpRequest r, string name, string tag) => h.DeleteTag(r, name, tag));
        endpoints.Map(routes, "GetTagHistory", (HttpRequest r, string name, string tag) => h.GetTagHistory(r, name, tag));
        endpoints.Map(routes, "RollbackTag", (HttpRequest r, string name, string tag) => h.RollbackTag(r, name, tag));
    }
}
