using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.Tests.Auth;

public sealed class ApiKeyAuthenticatorTests
{
    private static readonly ApiKeyAuthenticator Authenticator = new(Options.Create(new AuthOptions
    {
        Keys =
        [
            new ApiKeyOptions { Name = "plain", Secret = "plain-secret-0123456789", Roles = ["read"] },
            new ApiKeyOptions { Name = "digest", SecretSha256 = ApiKeyAuthenticator.Digest("digest-secret-0123456789").ToUpperInvariant(), Roles = ["write", "promote"] },
        ],
    }));

    private static HttpRequest Request(string? authorization = null, string? apiKey = null)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        if (apiKey is not null) context.Request.Headers["x-api-key"] = apiKey;
        return context.Request;
    }

    [Theory]
    [InlineData("Bearer plain-secret-0123456789", null, "plain")]
    [InlineData("bearer   plain-secret-0123456789  ", null, "plain")]
    [InlineData(null, "digest-secret-0123456789", "digest")]
    [InlineData("Basic dXNlcjpwYXNz", "plain-secret-0123456789", "plain")]
    [InlineData("Bearer wrong-secret-0123456789", null, null)]
    [InlineData("Bearer ", null, null)]
    [InlineData(null, null, null)]
    [InlineData("Basic dXNlcjpwYXNz", null, null)]
    public void Resolves_the_key_from_either_header(string? authorization, string? apiKey, string? expected)
    {
        // Twice, so the second answer comes from the remembered successes and must agree with the first.
        Assert.Equal(expected, Authenticator.Authenticate(Request(authorization, apiKey))?.Name);
        Assert.Equal(expected, Authenticator.Authenticate(Request(authorization, apiKey))?.Name);
    }

    [Fact]
    public void A_remembered_header_does_not_vouch_for_a_different_carrier()
    {
        Assert.Equal("plain", Authenticator.Authenticate(Request("Basic abc", "plain-secret-0123456789"))?.Name);
        Assert.Null(Authenticator.Authenticate(Request("Basic abc")));
    }

    [Fact]
    public void Roles_imply_as_documented()
    {
        var writer = new ApiPrincipal("w", ApiRoles.Write);
        var admin = new ApiPrincipal("a", ApiRoles.Admin);
        Assert.True(writer.Has(ApiRoles.Read));
        Assert.False(writer.Has(ApiRoles.Promote));
        Assert.False(new ApiPrincipal("r", ApiRoles.Read).Has(ApiRoles.Write));
        Assert.True(admin.Has(ApiRoles.Promote | ApiRoles.Write));
    }
}
