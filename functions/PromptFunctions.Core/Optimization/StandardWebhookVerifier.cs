using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Optimization;

/// <summary>What checking a delivery's signature found: the verified <c>webhook-id</c>, or why it is refused.</summary>
public abstract record WebhookVerification
{
    public sealed record Verified(string MessageId) : WebhookVerification;

    public sealed record Refused(string Reason) : WebhookVerification;
}

/// <summary>
/// Verifies inbound deliveries signed with the Standard Webhooks scheme (standardwebhooks.com): the signature is
/// HMAC-SHA256 over <c>{webhook-id}.{webhook-timestamp}.{body}</c> with the secret's bytes, sent base64-encoded as
/// <c>v1,&lt;signature&gt;</c> in the space-separated <c>webhook-signature</c> header. Any configured secret may
/// match (rotation), signatures are compared in constant time, and a timestamp outside the tolerance is refused so
/// that a captured delivery cannot be replayed later.
/// </summary>
public sealed class StandardWebhookVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    private const string SecretPrefix = "whsec_";
    private const int MaxMessageIdLength = 256;

    private readonly byte[][] _keys;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _clock;

    public StandardWebhookVerifier(IOptions<OptimizeHookOptions> options, TimeProvider clock)
    {
        _keys = options.Value.Secrets.Select(s => DecodeSecret(s).Key).OfType<byte[]>().ToArray();
        _tolerance = TimeSpan.FromSeconds(options.Value.ToleranceSeconds);
        _clock = clock;
    }

    public bool IsConfigured => _keys.Length > 0;

    /// <summary>The key bytes of a <c>whsec_</c> secret, or what is wrong with it (never quoting it).</summary>
    public static (byte[]? Key, string? Error) DecodeSecret(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            return (null, $"must start with '{SecretPrefix}' followed by the base64 of the key");
        byte[] key;
        try
        {
            key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        }
        catch (FormatException)
        {
            return (null, $"is not '{SecretPrefix}' followed by base64");
        }
        return key.Length is < 24 or > 64
            ? (null, $"holds a key of {key.Length} bytes; the Standard Webhooks specification asks for 24 to 64")
            : (key, null);
    }

    public WebhookVerification Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        if (_keys.Length == 0)
            return new WebhookVerification.Refused($"This hook has no signing secrets configured ({OptimizeHookOptions.Section}:Secrets:0).");
        var id = Single(headers, IdHeader);
        var timestampText = Single(headers, TimestampHeader);
        var signatures = Single(headers, SignatureHeader);
        if (id is null || timestampText is null || signatures is null)
            return new WebhookVerification.Refused($"Send the Standard Webhooks headers '{IdHeader}', '{TimestampHeader}' and '{SignatureHeader}', once each.");
        if (id.Length is 0 or > MaxMessageIdLength || id.Any(char.IsControl))
            return new WebhookVerification.Refused($"'{IdHeader}' must be 1-{MaxMessageIdLength} printable characters.");
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253_402_300_799)
            return new WebhookVerification.Refused($"'{TimestampHeader}' must be whole seconds since the Unix epoch.");
        var skew = _clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (skew.Duration() > _tolerance)
            return new WebhookVerification.Refused($"'{TimestampHeader}' is {(skew > TimeSpan.Zero ? "older" : "newer")} than the {(int)_tolerance.TotalSeconds} s this hook accepts; sign the delivery again.");

        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestampText}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        Span<byte> expected = stackalloc byte[32];
        Span<byte> given = stackalloc byte[64];
        foreach (var key in _keys)
        {
            HMACSHA256.HashData(key, signed, expected);
            foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!entry.StartsWith("v1,", StringComparison.Ordinal)) continue;
                if (Convert.TryFromBase64String(entry[3..], given, out var length) && length == expected.Length
                    && CryptographicOperations.FixedTimeEquals(given[..length], expected))
                    return new WebhookVerification.Verified(id);
            }
        }
        return new WebhookVerification.Refused($"No 'v1' signature in '{SignatureHeader}' matches the body with a configured secret.");
    }

    private static string? Single(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var values) && values.Count == 1 ? values.ToString() : null;
}
