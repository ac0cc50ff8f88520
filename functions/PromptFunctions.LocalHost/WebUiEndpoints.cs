using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Web;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="WebUiRoutes"/> to the shared <see cref="StaticSite"/>, as the Functions app's catch-all trigger does.</summary>
public static class WebUiEndpoints
{
    public static IEndpointRouteBuilder MapWebUi(this IEndpointRouteBuilder endpoints)
    {
        var site = endpoints.ServiceProvider.GetRequiredService<StaticSite>();
        // A fallback runs only when no API route matched, so it never shadows one; and since it is limited to GET,
        // a wrong method on an API route still gets the routing layer's 405.
        endpoints.MapFallback(WebUiRoutes.Route.Template, (HttpRequest r, string? path) => site.ServeAsync(r, path))
            .WithMetadata(new HttpMethodMetadata([WebUiRoutes.Route.Method]))
            .WithDisplayName(WebUiRoutes.Route.Name);
        return endpoints;
    }
}
