using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Nodes;
using PromptFunctions.Core.Storage;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Caching;

/// <summary>
/// When a hot tag's cached resolution expires, the requests in flight share one storage read instead of each
/// making its own; a write on this instance still shows at once.
/// </summary>
public sealed class ResolutionLoadTests
{
    private sealed class TagReads : HttpPipelineSynchronousPolicy
    {
        public readonly ConcurrentBag<string> Paths = [];

        public override void OnSendingRequest(HttpMessage message)
        {
            var uri = message.Request.Uri.ToString();
            // Point reads of a tag row: .../prompts(PartitionKey='...',RowKey='tag%7C...')
            if (uri.Contains("RowKey='tag%7C", StringComparison.Ordinal) || uri.Contains("RowKey='tag|", StringComparison.Ordinal)) Paths.Add(uri);
        }
    }

    // Not on the Functions host: it counts storage reads inside the host's process with a setting of its own.
    [Theory, MemberData(nameof(Drivers.Both), MemberType = typeof(Drivers))]
    public async Task Concurrent_fetches_of_an_expired_tag_share_one_storage_read(string kind)
    {
        var reads = new TagReads();
        await using var api = await Drivers.StartAsync(kind, new Dictionary<string, string?> { ["PromptHub:TagResolutionCacheSeconds"] = "0.3" },
            services => services.AddSingleton(new StoragePipelinePolicy(reads)));
        var prompt = Drivers.PromptName("herd");
        var version = new JsonObject { ["template"] = "Hello {{name}}" };
        var id = (await api.CreateVersionAsync(prompt, version, tags: ["production"]))["id"]!.GetValue<string>();
        Assert.Equal(200, (await api.GetAsync($"/api/prompts/{prompt}/tags/production")).Status);

        for (var round = 0; round < 3; round++)
        {
            await Task.Delay(TimeSpan.FromSeconds(0.5));
            reads.Paths.Clear();
            var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => api.GetAsync($"/api/prompts/{prompt}/tags/production")));
            Assert.All(responses, r => Assert.Equal(200, r.Status));
            Assert.All(responses, r => Assert.Equal($"\"{id}.1\"", r.Header("ETag")));
            // One shared read per expiry; a second is possible only if the first completed and expired again
            // while the 64 requests were still arriving.
            Assert.InRange(reads.Paths.Count, 1, 2);
        }
    }
}
