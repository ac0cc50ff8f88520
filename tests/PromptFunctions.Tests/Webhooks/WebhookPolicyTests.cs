using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Webhooks;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace PromptFunctions.Tests.Webhooks;

/// <summary>The address rules, the retry schedule and the signature format, without a host.</summary>
public sealed class WebhookPolicyTests
{
    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = "/";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private static WebhookUrlPolicy Policy(string environment = "Production", params string[] allowed) =>
        new(Options.Create(new WebhooksOptions { AllowedHosts = [.. allowed] }), new Environment(environment));

    [Theory]
    [InlineData("93.184.216.34", AddressKind.Public)]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946", AddressKind.Public)]
    [InlineData("127.0.0.1", AddressKind.Loopback)]
    [InlineData("127.255.0.9", AddressKind.Loopback)]
    [InlineData("::1", AddressKind.Loopback)]
    [InlineData("::ffff:127.0.0.1", AddressKind.Loopback)]
    [InlineData("10.0.0.1", AddressKind.Private)]
    [InlineData("172.16.0.1", AddressKind.Private)]
    [InlineData("172.31.255.255", AddressKind.Private)]
    [InlineData("172.32.0.1", AddressKind.Public)]
    [InlineData("192.168.1.1", AddressKind.Private)]
    [InlineData("100.64.0.1", AddressKind.Private)]
    [InlineData("fc00::1", AddressKind.Private)]
    [InlineData("fd12::1", AddressKind.Private)]
    [InlineData("169.254.1.1", AddressKind.LinkLocal)]
    [InlineData("fe80::1", AddressKind.LinkLocal)]
    [InlineData("169.254.169.254", AddressKind.Metadata)]
    [InlineData("fd00:ec2::254", AddressKind.Metadata)]
    [InlineData("168.63.129.16", AddressKind.Metadata)]
    [InlineData("100.100.100.200", AddressKind.Metadata)]
    [InlineData("::ffff:169.254.169.254", AddressKind.Metadata)]
    [InlineData("64:ff9b::a9fe:a9fe", AddressKind.Metadata)]
    [InlineData("2002:a9fe:a9fe::1", AddressKind.Metadata)]
    [InlineData("0.0.0.0", AddressKind.Reserved)]
    [InlineData("::", AddressKind.Reserved)]
    [InlineData("224.0.0.1", AddressKind.Reserved)]
    [InlineData("255.255.255.255", AddressKind.Reserved)]
    [InlineData("ff02::1", AddressKind.Reserved)]
    [InlineData("2001:db8::1", AddressKind.Reserved)]
    public void Addresses_are_classified(string address, AddressKind expected) =>
        Assert.Equal(expected, WebhookUrlPolicy.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("Production", "https://93.184.216.34/hook", null)]
    [InlineData("Production", "http://93.184.216.34/hook", "must be https")]
    [InlineData("Production", "http://127.0.0.1:8080/hook", "must be https")]
    [InlineData("Production", "https://127.0.0.1/hook", "loopback")]
    [InlineData("Development", "http://127.0.0.1:8080/hook", null)]
    [InlineData("Development", "http://localhost:8080/hook", null)]
    [InlineData("Development", "http://[::1]:8080/hook", null)]
    [InlineData("Development", "http://10.0.0.1/hook", "only for loopback")]
    [InlineData("Development", "https://10.0.0.1/hook", "private address")]
    [InlineData("Development", "https://169.254.169.254/", "metadata")]
    [InlineData("Production", "https://u:p@93.184.216.34/", "credentials")]
    [InlineData("Production", "https://93.184.216.34/#frag", "fragment")]
    public void Urls_are_checked_before_anything_is_resolved(string environment, string url, string? fault)
    {
        var result = Policy(environment).CheckUrl(url, out var uri);
        if (fault is null)
        {
            Assert.Null(result);
            Assert.NotNull(uri);
        }
        else
        {
            Assert.NotNull(result);
            Assert.Contains(fault, result);
            Assert.Null(uri);
        }
    }

    [Fact]
    public void The_allow_list_restricts_hosts_and_admits_listed_private_ranges()
    {
        var policy = Policy("Production", "hooks.example.com", "*.partner.example", "10.20.0.0/16", "169.254.169.254");
        Assert.Null(policy.CheckUrl("https://hooks.example.com/x", out _));
        Assert.Null(policy.CheckUrl("https://a.b.partner.example/x", out _));
        Assert.Contains("AllowedHosts", policy.CheckUrl("https://partner.example/x", out _));
        Assert.Contains("AllowedHosts", policy.CheckUrl("https://hooks.example.com.evil.test/x", out _));
        Assert.Null(policy.CheckUrl("https://10.20.255.1/x", out _));
        Assert.Contains("AllowedHosts", policy.CheckUrl("https://10.21.0.1/x", out _));
        Assert.Null(policy.AddressFault(IPAddress.Parse("10.20.1.1")));
        Assert.NotNull(policy.AddressFault(IPAddress.Parse("10.30.1.1")));
        // Metadata addresses pass only when listed one by one, not inside a wider range.
        Assert.Null(policy.AddressFault(IPAddress.Parse("169.254.169.254")));
        Assert.NotNull(Policy("Production", "169.254.0.0/16").AddressFault(IPAddress.Parse("169.254.169.254")));
        Assert.Null(Policy("Production", "169.254.0.0/16").AddressFault(IPAddress.Parse("169.254.1.1")));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("*")]
    [InlineData("*.")]
    [InlineData("exa mple.com")]
    [InlineData("")]
    public void Malformed_allow_list_entries_are_refused(string entry) => Assert.False(AllowedHostEntry.TryParse(entry, out _, out _));

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_refused_outside_development()
    {
        var production = Policy();
        Assert.Contains("loopback", await production.CheckResolvedAsync(new Uri("https://localhost/hook"), CancellationToken.None));
        Assert.Null(await Policy("Development").CheckResolvedAsync(new Uri("https://localhost/hook"), CancellationToken.None));
    }

    [Fact]
    public void Retry_waits_grow_exponentially_up_to_the_cap()
    {
        var options = new WebhooksOptions();
        var waits = Enumerable.Range(1, 10).Select(options.RetryDelay).ToList();
        Assert.Equal(TimeSpan.FromSeconds(10), waits[0]);
        Assert.Equal(TimeSpan.FromSeconds(30), waits[1]);
        Assert.All(waits.Zip(waits.Skip(1)), pair => Assert.True(pair.Second >= pair.First));
        Assert.Equal(TimeSpan.FromHours(6), waits[^1]);
        // The default schedule spreads a delivery's attempts over more than half a day.
        Assert.True(waits.Take(options.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (a, b) => a + b) > TimeSpan.FromHours(12));
    }

    [Fact]
    public async Task Our_signatures_verify_with_the_independent_libraries_and_a_wrong_body_does_not()
    {
        var secret = WebhookSignatures.NewSecret();
        var other = WebhookSignatures.NewSecret();
        var body = Encoding.UTF8.GetBytes("""{"type":"prompt.deleted","timestamp":"2025-01-01T00:00:00Z","data":{"prompt":"é"}}""");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "msg_1",
            ["webhook-timestamp"] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = WebhookSignatures.Sign("msg_1", timestamp, body, [secret, other]),
        };
        new StandardWebhook(secret).Verify(Encoding.UTF8.GetString(body), headers);
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(secret).Verify(Encoding.UTF8.GetString(body).Replace("é", "e"), headers));
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook(WebhookSignatures.NewSecret()).Verify(Encoding.UTF8.GetString(body), headers));
        var delivery = new ReceivedWebhook("msg_1", headers["webhook-timestamp"].ToString(), headers["webhook-signature"].ToString(), Encoding.UTF8.GetString(body), 200);
        await ReferenceVerifier.AssertVerifiedAsync(secret, [delivery]);
        await ReferenceVerifier.AssertVerifiedAsync(other, [delivery]);
        Assert.NotNull(Assert.Single(await ReferenceVerifier.VerifyAsync(secret, [delivery with { Body = delivery.Body.Replace("é", "e") }])));
        Assert.True(WebhookSignatures.IsSecret(secret));
        Assert.StartsWith("whsec_", secret);
    }
}
