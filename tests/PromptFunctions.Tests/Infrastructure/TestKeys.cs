namespace PromptFunctions.Tests.Infrastructure;

/// <summary>API keys every test host is configured with, one per role combination the tests need.</summary>
public static class TestKeys
{
    public const string Admin = "test-admin-key-0123456789";
    public const string Reader = "test-reader-key-0123456789";
    public const string Writer = "test-writer-key-0123456789";
    public const string Promoter = "test-promoter-key-0123456789";

    public static Dictionary<string, string?> Configuration() => new()
    {
        ["Auth:Keys:0:Name"] = "admin",
        ["Auth:Keys:0:Secret"] = Admin,
        ["Auth:Keys:0:Roles:0"] = "admin",
        ["Auth:Keys:1:Name"] = "reader",
        ["Auth:Keys:1:Secret"] = Reader,
        ["Auth:Keys:1:Roles:0"] = "read",
        ["Auth:Keys:2:Name"] = "writer",
        // The digest form of a secret, to prove both configuration forms authenticate.
        ["Auth:Keys:2:SecretSha256"] = Core.Auth.ApiKeyAuthenticator.Digest(Writer),
        ["Auth:Keys:2:Roles:0"] = "write",
        ["Auth:Keys:3:Name"] = "promoter",
        ["Auth:Keys:3:Secret"] = Promoter,
        ["Auth:Keys:3:Roles:0"] = "write",
        ["Auth:Keys:3:Roles:1"] = "promote",
    };
}
