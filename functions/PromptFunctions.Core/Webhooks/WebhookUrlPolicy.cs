using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PromptFunctions.Core.Webhooks;

/// <summary>What an address is, as far as server-side request forgery is concerned.</summary>
public enum AddressKind
{
    Public,
    Loopback,
    /// <summary>RFC 1918, unique local IPv6, shared address space and other ranges that stay inside a network.</summary>
    Private,
    LinkLocal,
    /// <summary>Cloud instance metadata and platform endpoints (169.254.169.254, fd00:ec2::254, Azure's 168.63.129.16, ...).</summary>
    Metadata,
    /// <summary>Unspecified, multicast, broadcast, documentation and other addresses no receiver has.</summary>
    Reserved,
}

/// <summary>One entry of <c>Webhooks:AllowedHosts</c>: a host name, a <c>*.</c> wildcard, an address or a CIDR range.</summary>
public sealed record AllowedHostEntry(string? Name, bool Wildcard, IPAddress? Network, int PrefixLength)
{
    public bool IsAddress => Network is not null;

    public static bool TryParse(string? text, out AllowedHostEntry entry, out string error)
    {
        entry = null!;
        error = "";
        var value = text?.Trim().ToLowerInvariant() ?? "";
        if (value.Length == 0)
        {
            error = "is empty";
            return false;
        }
        var slash = value.IndexOf('/');
        var addressText = slash < 0 ? value : value[..slash];
        if (IPAddress.TryParse(addressText.Trim('[', ']'), out var address))
        {
            var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
            var prefix = max;
            if (slash >= 0 && (!int.TryParse(value[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > max))
            {
                error = $"the prefix length must be 0 to {max}";
                return false;
            }
            entry = new AllowedHostEntry(null, false, address, prefix);
            return true;
        }
        var wildcard = value.StartsWith("*.", StringComparison.Ordinal);
        var name = wildcard ? value[2..] : value;
        if (slash >= 0 || Uri.CheckHostName(name) != UriHostNameType.Dns || name.Contains('*', StringComparison.Ordinal))
        {
            error = "expected a host name, *.domain, an IP address or a CIDR range";
            return false;
        }
        entry = new AllowedHostEntry(name, wildcard, null, 0);
        return true;
    }

    public bool MatchesName(string host) =>
        Name is not null && (Wildcard ? host.EndsWith("." + Name, StringComparison.Ordinal) : host == Name);

    public bool Contains(IPAddress address)
    {
        if (Network is null) return false;
        address = WebhookUrlPolicy.Canonical(address);
        var network = WebhookUrlPolicy.Canonical(Network);
        if (address.AddressFamily != network.AddressFamily) return false;
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var prefix = Math.Min(PrefixLength, a.Length * 8);
        for (var bit = 0; bit < prefix; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask)) return false;
        }
        return true;
    }
}

/// <summary>
/// Which receiver URLs and addresses deliveries may reach, checked when a subscription is saved and again, on the
/// resolved address, at every connection (<see cref="WebhookSender"/> connects only to addresses this approved).
/// https only, except http to loopback on a host running in Development; the host must match
/// <c>Webhooks:AllowedHosts</c> when it is set; addresses must be public unless an address entry of the allow
/// list covers them (loopback is also allowed in Development, where the test receivers and local tools live).
/// </summary>
public sealed class WebhookUrlPolicy(IOptions<WebhooksOptions> options, IHostEnvironment environment)
{
    private readonly AllowedHostEntry[] _allowed = options.Value.AllowedHosts
        .Select(text => AllowedHostEntry.TryParse(text, out var entry, out _) ? entry : null)
        .OfType<AllowedHostEntry>()
        .ToArray();

    private bool Development => environment.IsDevelopment();

    /// <summary>The URL's own faults (syntax, scheme, allow list, a literal address that is not allowed); null when none.</summary>
    public string? CheckUrl(string text, out Uri? uri)
    {
        uri = null;
        if (text.Length > options.Value.MaxUrlLength) return $"must be at most {options.Value.MaxUrlLength} characters";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Host.Length == 0) return "must be an absolute URL";
        if (parsed.Scheme != Uri.UriSchemeHttps && parsed.Scheme != Uri.UriSchemeHttp) return "must be an https URL";
        if (parsed.UserInfo.Length > 0) return "must not carry credentials (user:password@); receivers verify the signature instead";
        if (parsed.Fragment.Length > 0) return "must not have a fragment";
        var host = Host(parsed);
        var literal = IPAddress.TryParse(host, out var address) ? address : null;
        if (parsed.Scheme == Uri.UriSchemeHttp && !(Development && IsLoopbackHost(host, literal)))
            return Development
                ? "must be https; http is accepted only for loopback receivers (127.0.0.1, [::1], localhost)"
                : "must be https; http is accepted only for loopback receivers when the host runs in Development";
        if (_allowed.Length > 0 && !_allowed.Any(e => literal is null ? e.MatchesName(host) : e.Contains(literal)))
            return $"host '{host}' is not in Webhooks:AllowedHosts";
        if (literal is not null && AddressFault(literal) is { } fault) return fault;
        uri = parsed;
        return null;
    }

    /// <summary>Resolves the URL's host and checks every address it resolves to; null when all are allowed.</summary>
    public async Task<string?> CheckResolvedAsync(Uri uri, CancellationToken cancellationToken)
    {
        var host = Host(uri);
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(host, cancellationToken);
        }
        catch (SocketException e)
        {
            return $"host '{host}' could not be resolved ({e.SocketErrorCode})";
        }
        if (addresses.Length == 0) return $"host '{host}' has no addresses";
        return addresses.Select(AddressFault).FirstOrDefault(f => f is not null);
    }

    /// <summary>Why a connection to <paramref name="address"/> is refused, or null when it is allowed.</summary>
    public string? AddressFault(IPAddress address)
    {
        var kind = Classify(address);
        if (kind == AddressKind.Public) return null;
        if (kind == AddressKind.Loopback && Development) return null;
        var canonical = Canonical(address);
        var listed = kind == AddressKind.Metadata
            ? _allowed.Any(e => e.IsAddress && e.PrefixLength == (canonical.AddressFamily == AddressFamily.InterNetwork ? 32 : 128) && e.Contains(canonical))
            : _allowed.Any(e => e.Contains(canonical));
        if (listed) return null;
        var what = kind switch
        {
            AddressKind.Loopback => "a loopback address",
            AddressKind.Private => "a private address",
            AddressKind.LinkLocal => "a link-local address",
            AddressKind.Metadata => "a cloud metadata address",
            _ => "a reserved address",
        };
        return $"resolves to {what} ({canonical}), which deliveries may not reach unless Webhooks:AllowedHosts lists it";
    }

    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);

    /// <summary>The host as DNS and the allow list see it: lower case, without IPv6 brackets.</summary>
    public static string Host(Uri uri) => uri.IdnHost.Trim('[', ']').ToLowerInvariant();

    private static bool IsLoopbackHost(string host, IPAddress? literal) =>
        literal is not null ? Classify(literal) == AddressKind.Loopback : host is "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal);

    /// <summary>IPv4-mapped IPv6 addresses as the IPv4 address they carry.</summary>
    public static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static AddressKind Classify(IPAddress address)
    {
        address = Canonical(address);
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork) return ClassifyV4(b);
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return AddressKind.Reserved;

        if (address.Equals(IPAddress.IPv6Loopback)) return AddressKind.Loopback;
        if (address.Equals(IPAddress.IPv6Any)) return AddressKind.Reserved;
        if (address.Equals(AwsMetadataV6)) return AddressKind.Metadata;
        // Addresses that embed an IPv4 address are judged by it: NAT64 (64:ff9b::/96), 6to4 (2002::/16), IPv4-compatible (::/96).
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0)) return ClassifyV4(b[12..16]);
        if (b[0] == 0x20 && b[1] == 0x02) return ClassifyV4(b[2..6]);
        if (b.Take(12).All(x => x == 0)) return ClassifyV4(b[12..16]) == AddressKind.Public ? AddressKind.Reserved : ClassifyV4(b[12..16]);
        if ((b[0] & 0xfe) == 0xfc) return AddressKind.Private;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressKind.LinkLocal;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressKind.Private;
        if (b[0] == 0xff) return AddressKind.Reserved;
        // Teredo (2001::/32) tunnels to an obfuscated IPv4 address; documentation (2001:db8::/32); discard (100::/64).
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return AddressKind.Reserved;
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return AddressKind.Reserved;
        if (b[0] == 0x01 && b[1] == 0x00 && b.Skip(2).Take(6).All(x => x == 0)) return AddressKind.Reserved;
        return AddressKind.Public;
    }

    private static readonly IPAddress AwsMetadataV6 = IPAddress.Parse("fd00:ec2::254");

    private static AddressKind ClassifyV4(byte[] b) => (b[0], b[1], b[2], b[3]) switch
    {
        (169, 254, 169, 254) or (168, 63, 129, 16) or (100, 100, 100, 200) or (192, 0, 0, 192) => AddressKind.Metadata,
        (127, _, _, _) => AddressKind.Loopback,
        (0, _, _, _) => AddressKind.Reserved,
        (10, _, _, _) => AddressKind.Private,
        (172, >= 16 and <= 31, _, _) => AddressKind.Private,
        (192, 168, _, _) => AddressKind.Private,
        (100, >= 64 and <= 127, _, _) => AddressKind.Private,
        (169, 254, _, _) => AddressKind.LinkLocal,
        (192, 0, 0, _) => AddressKind.Private,
        (198, 18 or 19, _, _) => AddressKind.Private,
        (192, 0, 2, _) or (198, 51, 100, _) or (203, 0, 113, _) => AddressKind.Reserved,
        (>= 224, _, _, _) => AddressKind.Reserved,
        _ => AddressKind.Public,
    };
}
