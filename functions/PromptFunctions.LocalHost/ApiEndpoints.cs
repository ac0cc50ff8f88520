using PromptFunctions.Contracts.Routes;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="ApiRoutes.All"/> to the shared handlers, feature by feature, as the Functions app's triggers do.</summary>
public static class ApiEndpoints
{
    /// <summary>
    /// Handler classes are singletons taken once here: resolving a handler parameter from DI per request would
    /// create a request service scope on every fetch, which the hot path does not need.
    /// </summary>
    public static IEndpointRouteBuilder MapPromptFunctionsApi(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        HealthEndpoints.Map(endpoints, services);
        CallerEndpoints.Map(endpoints, services);
        PromptEndpoints.Map(endpoints, services);
        TagEndpoints.Map(endpoints, services);
        PhoenixEndpoints.Map(endpoints, services);
        LangfuseEndpoints.Map(endpoints, services);
        DatasetEndpoints.Map(endpoints, services);
        ExperimentEndpoints.Map(endpoints, services);
        WebhookEndpoints.Map(endpoints, services);
        SuiteEndpoints.Map(endpoints, services);
        OptimizationEndpoints.Map(endpoints, services);
        AuditEndpoints.Map(endpoints, services);
        return endpoints;
    }

    /// <summary>Maps the route named <paramref name="routeName"/> in <paramref name="routes"/> to <paramref name="handler"/>.</summary>
    internal static void Map(this IEndpointRouteBuilder endpoints, IReadOnlyList<RouteDefinition> routes, string routeName, Delegate handler)
    {
        var route = routes.Single(r => r.Name == routeName);
        endpoints.MapMethods("/" + route.Template, [route.Method], handler).WithName(route.Name);
    }
}
