using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Auth;

[Flags]
public enum ApiRoles
{
    None = 0,
    Read = 1,
    Write = 2,
    Promote = 4,
    Admin = 8,
}

/// <summary>One configured key, section <c>Auth:Keys:N</c>. Give either the secret or its SHA-256 (hex).</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";
    public string? Secret { get; set; }
    public string? SecretSha256 { get; set; }
    public List<string> Roles { get; set; } = [];
}

public sealed class AuthOptions
{
    public const string Section = "Auth";

    public List<ApiKeyOptions> Keys { get; set; } = [];
}

/// <summary>The caller, identified by key name (never by secret).</summary>
public sealed record ApiPrincipal(string Name, ApiRoles Roles)
{
    /// <summary><c>admin</c> holds every role and <c>write</c> includes <c>read</c>.</summary>
    public bool Has(ApiRoles role)
    {
        if ((Roles & ApiRoles.Admin) != 0) return true;
        var effective = Roles | ((Roles & ApiRoles.Write) != 0 ? ApiRoles.Read : ApiRoles.None);
        return (effective & role) == role;
    }
}

/// <summary>
/// Resolves <c>Authorization: Bearer &lt;key&gt;</c> or <c>x-api-key</c> to a principal. Only SHA-256 digests of
/// secrets are held in memory, so a configured secret never reaches a log or a dump through this class.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    // Keyed by the first 16 bytes of the digest; the whole digest is then compared in constant time. Every
    // request authenticates, so the lookup allocates nothing.
    private readonly FrozenDictionary<UInt128, (byte[] Digest, ApiPrincipal Principal)> _byDigest;

    public ApiKeyAuthenticator(IOptions<AuthOptions> options)
    {
        var byDigest = new Dictionary<UInt128, (byte[], ApiPrincipal)>();
        foreach (var key in options.Value.Keys)
        {
            var digest = key.SecretSha256 is { Length: > 0 } given ? Convert.FromHexString(given) : SHA256.HashData(Encoding.UTF8.GetBytes(key.Secret!));
            byDigest[Prefix(digest)] = (digest, new ApiPrincipal(key.Name, ParseRoles(key.Roles)));
        }
        _byDigest = byDigest.ToFrozenDictionary();
    }

    /// <summary>Lowercase hex SHA-256 of a secret: the form <c>SecretSha256</c> takes.</summary>
    public static string Digest(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static UInt128 Prefix(ReadOnlySpan<byte> digest) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);

    public static ApiRoles ParseRoles(IEnumerable<string> roles)
    {
        var result = ApiRoles.None;
        foreach (var role in roles)
        {
            result |= role.Trim().ToLowerInvariant() switch
            {
                "read" => ApiRoles.Read,
                "write" => ApiRoles.Write,
                "promote" => ApiRoles.Promote,
                "admin" => ApiRoles.Admin,
                _ => throw new ArgumentException($"unknown role '{role}'; roles are read, write, promote, admin"),
            };
        }
        return result;
    }

    /// <summary>
    /// The header value that carries the key (<c>Authorization: Bearer ...</c>, else <c>x-api-key</c>) and the key
    /// within it; both empty when the request presents none.
    /// </summary>
    public static (string Header, ReadOnlyMemory<char> Key) PresentedKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (authorization, authorization.AsMemory("Bearer ".Length..).Trim());
        var apiKey = request.Headers["x-api-key"].ToString();
        return (apiKey, apiKey.AsMemory().Trim());
    }

    // Header values that authenticated recently, so that a client's repeated requests skip the SHA-256 (which
    // costs about as much as the rest of a cached fetch). Only successes are kept, so its size is bounded by how
    // many ways the configured keys are presented; the dictionary's randomized hashing means a guess is never
    // compared character by character with a stored value unless their 32-bit hashes already collide.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ApiPrincipal> _recent = new(StringComparer.Ordinal);
    private const int MaxRecent = 1024;

    public ApiPrincipal? Authenticate(HttpRequest request)
    {
        var (header, key) = PresentedKey(request);
        if (key.Length == 0) return null;
        if (_recent.TryGetValue(header, out var known)) return known;
        var principal = Authenticate(key.Span);
        if (principal is not null && _recent.Count < MaxRecent) _recent.TryAdd(header, principal);
        return principal;
    }

    // Kept apart from _recent so that a Basic header value never authenticates when presented in another header.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ApiPrincipal> _recentBasic = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>Authorization: Basic base64(publicKey:secretKey)</c>, as Langfuse clients send it: the secret key is an API
    /// key's secret and the public key must equal that key's name. Only the routes that speak Langfuse's API call
    /// this; every other route accepts only <see cref="Authenticate(HttpRequest)"/>.
    /// </summary>
    public ApiPrincipal? AuthenticateBasic(HttpRequest request, out BasicCredentialsProblem problem)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            problem = BasicCredentialsProblem.Missing;
            return null;
        }
        if (_recentBasic.TryGetValue(header, out var known))
        {
            problem = BasicCredentialsProblem.None;
            return known;
        }
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            problem = BasicCredentialsProblem.NotBasic;
            return null;
        }
        string decoded;
        try
        {
            var encoded = header.AsSpan("Basic ".Length).Trim();
            if (encoded.Length > 2048) throw new FormatException();
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded.ToString()));
        }
        catch (FormatException)
        {
            problem = BasicCredentialsProblem.Malformed;
            return null;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == decoded.Length - 1)
        {
            problem = BasicCredentialsProblem.Malformed;
            return null;
        }
        var principal = Authenticate(decoded.AsSpan(colon + 1));
        if (principal is null)
        {
            problem = BasicCredentialsProblem.Rejected;
            return null;
        }
        if (!string.Equals(principal.Name, decoded[..colon], StringComparison.Ordinal))
        {
            problem = BasicCredentialsProblem.PublicKeyMismatch;
            return null;
        }
        if (_recentBasic.Count < MaxRecent) _recentBasic.TryAdd(header, principal);
        problem = BasicCredentialsProblem.None;
        return principal;
    }

    public ApiPrincipal? Authenticate(ReadOnlySpan<char> presentedKey)
    {
        if (presentedKey.Length is 0 or > 512) return null;
        Span<byte> utf8 = stackalloc byte[512 * 3];
        var length = Encoding.UTF8.GetBytes(presentedKey, utf8);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], digest);
        return _byDigest.TryGetValue(Prefix(digest), out var entry) && CryptographicOperations.FixedTimeEquals(entry.Digest, digest)
            ? entry.Principal
            : null;
    }
}

/// <summary>Why <see cref="ApiKeyAuthenticator.AuthenticateBasic"/> refused a request.</summary>
public enum BasicCredentialsProblem
{
    None,
    Missing,
    NotBasic,
    Malformed,

    /// <summary>The secret key is not a configured key.</summary>
    Rejected,

    /// <summary>The secret key is valid but the public key is not its name.</summary>
    PublicKeyMismatch,
}

/// <summary>Rejects unusable key configuration at start rather than at the first request.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var where = $"Auth:Keys:{i}";
            if (string.IsNullOrWhiteSpace(key.Name)) failures.Add($"{where}:Name is required");
            else if (!names.Add(key.Name)) failures.Add($"{where}:Name '{key.Name}' is used twice");
            var hasSecret = !string.IsNullOrEmpty(key.Secret);
            var hasDigest = !string.IsNullOrEmpty(key.SecretSha256);
            if (hasSecret == hasDigest) failures.Add($"{where}: give exactly one of Secret and SecretSha256");
            if (hasSecret && key.Secret!.Length < 16) failures.Add($"{where}:Secret must have at least 16 characters");
            if (hasDigest && (key.SecretSha256!.Length != 64 || !key.SecretSha256.All(Uri.IsHexDigit)))
                failures.Add($"{where}:SecretSha256 must be 64 hex characters");
            if (key.Roles.Count == 0) failures.Add($"{where}:Roles must list at least one of read, write, promote, admin");
            try
            {
                ApiKeyAuthenticator.ParseRoles(key.Roles);
            }
            catch (ArgumentException e)
            {
                failures.Add($"{where}:Roles: {e.Message}");
            }
        }
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
