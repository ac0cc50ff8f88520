using Microsoft.AspNetCore.Http;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.Core.Http;

/// <summary>The native API: bearer or <c>x-api-key</c> keys, RFC 9457 <c>application/problem+json</c> errors.</summary>
public sealed class NativeDialect : IApiDialect
{
    public static readonly NativeDialect Instance = new();

    public ApiPrincipal Authenticate(HttpRequest request, ApiKeyAuthenticator keys) =>
        keys.Authenticate(request) ?? throw new ProblemException(401, "Unauthorized", "Send an API key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");

    public IResult Error(ProblemException problem, HttpRequest request) => JsonResponses.Problem(problem, request.Path);
}
