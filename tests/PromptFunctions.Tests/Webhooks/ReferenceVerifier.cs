using System.Diagnostics;
using System.Text.Json.Nodes;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Webhooks;

/// <summary>
/// Verifies deliveries with the Standard Webhooks reference library for JavaScript (<c>standardwebhooks</c> on npm,
/// installed by the repository's <c>npm ci</c>), run by Node. It checks every signature of a
/// <c>webhook-signature</c> list, which the NuGet library (1.1.2) does not: it stops before the last one, so
/// rotation overlaps are verified here.
/// </summary>
public static class ReferenceVerifier
{
    private const string Script = """
        const { Webhook } = require('standardwebhooks');
        let input = '';
        process.stdin.on('data', c => input += c).on('end', () => {
          const { secret, deliveries } = JSON.parse(input);
          const wh = new Webhook(secret);
          const results = deliveries.map(d => {
            try { wh.verify(d.body, { 'webhook-id': d.id, 'webhook-timestamp': d.timestamp, 'webhook-signature': d.signature }); return null; }
            catch (e) { return String(e.message || e); }
          });
          process.stdout.write(JSON.stringify(results));
        });
        """;

    /// <summary>For each delivery, null when a signature verifies with <paramref name="secret"/>, else the library's message.</summary>
    public static async Task<IReadOnlyList<string?>> VerifyAsync(string secret, IEnumerable<ReceivedWebhook> deliveries)
    {
        var input = new JsonObject
        {
            ["secret"] = secret,
            ["deliveries"] = new JsonArray(deliveries.Select(d => (JsonNode?)new JsonObject
            {
                ["id"] = d.Id, ["timestamp"] = d.Timestamp, ["signature"] = d.Signature, ["body"] = d.Body,
            }).ToArray()),
        };
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = AzuriteServer.FindRepoRoot(),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(Script);
        using var node = Process.Start(start)!;
        await node.StandardInput.WriteAsync(input.ToJsonString());
        node.StandardInput.Close();
        var output = await node.StandardOutput.ReadToEndAsync();
        var errors = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, $"node could not run the reference verifier (run `npm ci` at the repository root): {errors}");
        return JsonNode.Parse(output)!.AsArray().Select(n => n?.GetValue<string>()).ToList();
    }

    /// <summary>Asserts that every delivery verifies with <paramref name="secret"/>.</summary>
    public static async Task AssertVerifiedAsync(string secret, IEnumerable<ReceivedWebhook> deliveries)
    {
        var list = deliveries.ToList();
        var results = await VerifyAsync(secret, list);
        Assert.Equal(list.Count, results.Count);
        Assert.All(results, r => Assert.Null(r));
    }
}
