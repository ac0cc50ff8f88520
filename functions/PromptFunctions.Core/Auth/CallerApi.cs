using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Auth;

/// <summary>
/// Tells a key what it may do, so a client (the web page) can disable what the key's roles do not allow and say
/// why. The API still enforces every role itself; this only describes them.
/// </summary>
public sealed class CallerApi(ApiExecutor executor)
{
    // Any valid key may ask about itself, whatever its roles.
    public Task<IResult> Me(HttpRequest request) => executor.RunAsync(request, ApiRoles.None, call =>
    {
        var principal = call.Principal;
        var roles = new JsonArray();
        foreach (var role in new[] { ApiRoles.Read, ApiRoles.Write, ApiRoles.Promote, ApiRoles.Admin })
        {
            if ((principal.Roles & role) != 0) roles.Add(role.ToString().ToLowerInvariant());
        }
        var body = new JsonObject
        {
            ["name"] = principal.Name,
            ["roles"] = roles,
            // Effective permissions after the role rules (admin holds every role, write includes read).
            ["permissions"] = new JsonObject
            {
                ["read"] = principal.Has(ApiRoles.Read),
                ["write"] = principal.Has(ApiRoles.Write),
                ["promote"] = principal.Has(ApiRoles.Promote),
                ["admin"] = principal.Has(ApiRoles.Admin),
            },
            // Distinct: configuration binding appends configured tags to the default list rather than replacing it.
            ["protected_tags"] = new JsonArray(executor.Options.ProtectedTags.Distinct(StringComparer.Ordinal).Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        };
        return Task.FromResult<IResult>(new JsonBytesResult(200, JsonResponses.Serialize(body)) { CacheControl = "no-store", Vary = "Authorization, x-api-key" });
    });
}
