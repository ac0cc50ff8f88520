using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="CallerRoutes"/>, as the Functions app's CallerTriggers do.</summary>
internal static class CallerEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<CallerApi>();
        endpoints.Map(CallerRoutes.All, "GetCaller", (HttpRequest r) => h.Me(r));
    }
}
