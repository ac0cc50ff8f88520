using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Web;

/// <summary>GET /api/me: what a key is called and may do, which the web page uses to disable controls.</summary>
public sealed class CallerApiTests(ApiHostsFixture hosts) : IClassFixture<ApiHostsFixture>
{
    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_key_learns_its_name_roles_and_effective_permissions(string kind)
    {
        var api = hosts[kind];

        var reader = await api.GetAsync("/api/me", key: TestKeys.Reader);
        var writer = await api.GetAsync("/api/me", key: TestKeys.Writer);
        var promoter = await api.GetAsync("/api/me", key: TestKeys.Promoter);
        var admin = await api.GetAsync("/api/me", key: TestKeys.Admin);

        Assert.Equal(200, reader.Status);
        Assert.Equal("no-store", reader.Header("Cache-Control"));
        Assert.Equal("reader", reader.Json["name"]!.GetValue<string>());
        Assert.Equal(["read"], reader.Json["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal(["production"], reader.Json["protected_tags"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal((true, false, false, false), Permissions(reader));
        // write includes read; promote is separate; admin holds everything.
        Assert.Equal((true, true, false, false), Permissions(writer));
        Assert.Equal(["write", "promote"], promoter.Json["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.Equal((true, true, true, false), Permissions(promoter));
        Assert.Equal((true, true, true, true), Permissions(admin));
    }

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task Without_a_valid_key_it_is_a_401(string kind)
    {
        var api = hosts[kind];
        var missing = await api.GetAsync("/api/me", key: null);
        var wrong = await api.GetAsync("/api/me", key: "not-a-configured-key-123456");
        Assert.Equal(401, missing.Status);
        Assert.Equal(401, wrong.Status);
        Assert.StartsWith("application/problem+json", wrong.ContentType);
    }

    private static (bool, bool, bool, bool) Permissions(ApiResponse response)
    {
        var p = response.Json["permissions"]!;
        return (p["read"]!.GetValue<bool>(), p["write"]!.GetValue<bool>(), p["promote"]!.GetValue<bool>(), p["admin"]!.GetValue<bool>());
    }
}
