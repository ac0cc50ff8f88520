using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Health;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="HealthRoutes"/>, as the Functions app's HealthTriggers do.</summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<HealthApi>();
        endpoints.Map(HealthRoutes.All, "Health", (HttpRequest r) => h.Health(r));
    }
}
