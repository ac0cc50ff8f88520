using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PromptFunctions.Contracts;
using PromptFunctions.Core.Http;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Auth;

/// <summary>
/// Tells a key what it may do, so a client (the web page) can disable what the key's roles do not allow and say
/// why. The API still enforces every role itself; this only describes them.
/// </summary>
public sealed class CallerApi(ApiExecutor executor, IOptions<PromptHubOptions> prompts)
{
    private static readonly ApiRoles[] Roles = [ApiRoles.Read, ApiRoles.Write, ApiRoles.Promote, ApiRoles.Admin];

    // Any valid key may ask about itself, whatever its roles.
    public Task<IResult> Me(HttpRequest request) => executor.RunAsync(request, NativeDialect.Instance, ApiRoles.None, call =>
    {
        var principal = call.Principal;
        var body = new CallerInfo(
            principal.Name,
            Roles.Where(role => (principal.Roles & role) != 0).Select(role => role.ToString().ToLowerInvariant()).ToList(),
            new CallerPermissions(principal.Has(ApiRoles.Read), principal.Has(ApiRoles.Write), principal.Has(ApiRoles.Promote), principal.Has(ApiRoles.Admin)),
            prompts.Value.ProtectedTags);
        return Task.FromResult<IResult>(new JsonBytesResult(200, ContractsJson.Serialize(body)) { CacheControl = "no-store", Vary = HttpReplies.VaryByKey });
    });
}
