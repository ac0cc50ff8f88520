using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;

namespace PromptFunctions.Tests.Auth;

/// <summary>Langfuse-style <c>Basic publicKey:secretKey</c>: the secret is a key, the public key its name.</summary>
public sealed class BasicCredentialsTests
{
    private readonly ApiKeyAuthenticator _authenticator = new(Options.Create(new AuthOptions
    {
        Keys =
        [
            new ApiKeyOptions { Name = "plain", Secret = "plain-secret-0123456789", Roles = ["read"] },
            new ApiKeyOptions { Name = "digest", SecretSha256 = ApiKeyAuthenticator.Digest("digest:secret-0123456789"), Roles = ["write"] },
        ],
    }));

    private static HttpRequest Request(string? authorization = null, string? apiKey = null)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        if (apiKey is not null) context.Request.Headers["x-api-key"] = apiKey;
        return context.Request;
    }

    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    [Theory]
    [InlineData("plain:plain-secret-0123456789", "plain", BasicCredentialsProblem.None)]
    // The secret may itself contain ':'; only the first one separates the public key.
    [InlineData("digest:digest:secret-0123456789", "digest", BasicCredentialsProblem.None)]
    [InlineData("digest:plain-secret-0123456789", null, BasicCredentialsProblem.PublicKeyMismatch)]
    [InlineData("Plain:plain-secret-0123456789", null, BasicCredentialsProblem.PublicKeyMismatch)]
    [InlineData("plain:wrong-secret-0123456789", null, BasicCredentialsProblem.Rejected)]
    [InlineData("plain-secret-0123456789", null, BasicCredentialsProblem.Malformed)]
    [InlineData(":plain-secret-0123456789", null, BasicCredentialsProblem.Malformed)]
    [InlineData("plain:", null, BasicCredentialsProblem.Malformed)]
    public void Resolves_the_key_only_when_name_and_secret_belong_together(string credentials, string? expected, BasicCredentialsProblem problem)
    {
        // Twice, so the second answer comes from the remembered successes and must agree with the first.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(expected, _authenticator.AuthenticateBasic(Request(Basic(credentials)), out var actual)?.Name);
            Assert.Equal(problem, actual);
        }
    }

    [Theory]
    [InlineData(null, BasicCredentialsProblem.Missing)]
    [InlineData("Bearer plain-secret-0123456789", BasicCredentialsProblem.NotBasic)]
    [InlineData("Basic not base64!", BasicCredentialsProblem.Malformed)]
    public void Other_headers_are_refused_with_the_reason(string? authorization, BasicCredentialsProblem problem)
    {
        Assert.Null(_authenticator.AuthenticateBasic(Request(authorization), out var actual));
        Assert.Equal(problem, actual);
    }

    [Fact]
    public void Basic_credentials_never_authenticate_native_requests()
    {
        var header = Basic("plain:plain-secret-0123456789");
        Assert.NotNull(_authenticator.AuthenticateBasic(Request(header), out _));

        // Not as Authorization, and not when the same value arrives as x-api-key after it authenticated as Basic.
        Assert.Null(_authenticator.Authenticate(Request(header)));
        Assert.Null(_authenticator.Authenticate(Request(apiKey: header)));
    }
}
