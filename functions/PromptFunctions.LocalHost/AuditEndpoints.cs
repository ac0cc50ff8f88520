using PromptFunctions.Contracts.Routes;
using PromptFunctions.Core.Audit;

namespace PromptFunctions.LocalHost;

/// <summary>Maps <see cref="AuditRoutes"/>, as the Functions app's AuditTriggers do.</summary>
internal static class AuditEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services)
    {
        var h = services.GetRequiredService<AuditApi>();
        endpoints.Map(AuditRoutes.All, "ListAudit", (HttpRequest r) => h.List(r));
    }
}
