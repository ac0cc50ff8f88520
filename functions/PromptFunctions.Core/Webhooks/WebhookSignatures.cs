using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PromptFunctions.Core.Webhooks;

/// <summary>
/// Standard Webhooks signing: secrets are <c>whsec_</c> and the base64 of random key bytes; a delivery carries
/// <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature</c>, a space-separated
/// list of <c>v1,&lt;base64 HMAC-SHA256 of "id.timestamp.body"&gt;</c>, one per secret that currently signs.
/// </summary>
public static class WebhookSignatures
{
    public const string SecretPrefix = "whsec_";
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    // 32 bytes: the HMAC-SHA256 block size bound is 64; the specification asks for 24 to 64.
    private const int SecretBytes = 32;

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    public static bool IsSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal)) return false;
        var key = new byte[64];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], key, out var written) && written is >= 24 and <= 64;
    }

    /// <summary>The <c>webhook-signature</c> value: one <c>v1,</c> signature per secret, in the order given.</summary>
    public static string Sign(string messageId, long timestamp, ReadOnlySpan<byte> body, IEnumerable<string> secrets)
    {
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return string.Join(' ', secrets.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(Key(secret), content))));
    }

    private static byte[] Key(string secret)
    {
        if (!IsSecret(secret)) throw new ArgumentException("not a whsec_ secret", nameof(secret));
        return Convert.FromBase64String(secret[SecretPrefix.Length..]);
    }
}
