using PromptFunctions.Core.Http;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="ApiRoutes.All"/> to the shared handlers, as the Functions app's triggers do.</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapPromptFunctionsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/" + ApiRoutes.Prefix);
        MapNativeApi(api, endpoints.ServiceProvider);
        PhoenixEndpoints.MapPhoenixApi(api, endpoints.ServiceProvider);
        LangfuseEndpoints.Map(api, endpoints.ServiceProvider);
        DatasetEndpoints.MapDatasetsApi(api, endpoints.ServiceProvider);
        ExperimentEndpoints.MapExperimentApi(api, endpoints.ServiceProvider);
        return endpoints;
    }

    /// <summary>
    /// Handler classes are singletons taken once here: resolving a handler parameter from DI per request would
    /// create a request service scope on every fetch, which the hot path does not need.
    /// </summary>
    private static void MapNativeApi(RouteGroupBuilder api, IServiceProvider services)
    {
        var h = services.GetRequiredService<PromptsApi>();
        Map(api, "Health", (HttpRequest r) => h.Health(r));
        Map(api, "ListPrompts", (HttpRequest r) => h.ListPrompts(r));
        Map(api, "GetPrompt", (HttpRequest r, string name) => h.GetPrompt(r, name));
        Map(api, "CreateVersion", (HttpRequest r, string name) => h.CreateVersion(r, name));
        Map(api, "ListVersions", (HttpRequest r, string name) => h.ListVersions(r, name));
        Map(api, "GetVersion", (HttpRequest r, string name, string id) => h.GetVersion(r, name, id));
        Map(api, "GetVersionVariables", (HttpRequest r, string name, string id) => h.GetVersionVariables(r, name, id));
        Map(api, "GetLatest", (HttpRequest r, string name) => h.GetLatest(r, name));
        Map(api, "ListTags", (HttpRequest r, string name) => h.ListTags(r, name));
        Map(api, "GetTag", (HttpRequest r, string name, string tag) => h.GetTag(r, name, tag));
        Map(api, "PutTag", (HttpRequest r, string name, string tag) => h.PutTag(r, name, tag));
        Map(api, "DeleteTag", (HttpRequest r, string name, string tag) => h.DeleteTag(r, name, tag));
        Map(api, "GetTagHistory", (HttpRequest r, string name, string tag) => h.GetTagHistory(r, name, tag));
        Map(api, "RollbackTag", (HttpRequest r, string name, string tag) => h.RollbackTag(r, name, tag));
        Map(api, "Render", (HttpRequest r, string name) => h.Render(r, name));
        Map(api, "Diff", (HttpRequest r, string name) => h.Diff(r, name));
        Map(api, "Drift", (HttpRequest r) => h.Drift(r));
        var caller = services.GetRequiredService<Core.Auth.CallerApi>();
        Map(api, "GetCaller", (HttpRequest r) => caller.Me(r));
    }

    internal static void Map(RouteGroupBuilder group, string routeName, Delegate handler)
    {
        var route = ApiRoutes.All.Single(r => r.Name == routeName);
        group.MapMethods(route.Template, [route.Method], handler).WithName(route.Name);
    }
}
