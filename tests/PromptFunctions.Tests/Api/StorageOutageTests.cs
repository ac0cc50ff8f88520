using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Api;

/// <summary>
/// Storage goes away after the host has started: /api/health says so with 503, and the API answers with a problem,
/// never with a host's own error page. Each host gets an Azurite of its own to lose. Mostly waiting (the storage
/// client's retries), so it is in the long-wait category that ./test.sh runs beside the rest.
/// </summary>
[Trait("Category", Experiments.CrashScenario.LongWait)]
public sealed class StorageOutageTests
{
    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_storage_outage_gives_503_from_health_and_problems_from_the_api(string kind)
    {
        AzuriteServer? own = null;
        IApiDriver api;
        Action loseStorage;
        if (kind == Drivers.FunctionsHost)
        {
            var functionsHost = await FunctionsHostDriver.StartAsync();
            api = functionsHost;
            loseStorage = functionsHost.Host.StopStorage;
        }
        else
        {
            own = await AzuriteServer.StartOwnAsync();
            var storage = TestStorage.On(own.ConnectionString);
            api = kind == Drivers.LocalHost ? await LocalHostDriver.StartAsync(storage: storage) : await FunctionsDriver.StartAsync(storage: storage);
            loseStorage = own.Stop;
        }
        await using var _ = api;
        try
        {
            var prompt = Drivers.PromptName("outage");
            await api.CreateVersionAsync(prompt, Samples.Chat());
            Assert.Equal(200, (await api.GetAsync("/api/health", key: null)).Status);

            loseStorage();

            var health = await api.GetAsync("/api/health", key: null);
            Assert.True(health.Status == 503, health.ToString());
            Assert.Equal("unreachable", health.Json["storage"]!.GetValue<string>());
            // Each failing call spends the storage client's retries first (seconds), so two reads stand for the API.
            foreach (var (method, path, body) in new (string, string, string?)[]
            {
                ("GET", "/api/prompts", null),
                ("GET", "/api/datasets", null),
            })
            {
                var response = await api.SendAsync(new HttpMethod(method), path, body, contentType: body is null ? null : "application/json");
                Assert.True(response.Status >= 500, $"{method} {path}: {response}");
                Assert.StartsWith("application/problem+json", response.ContentType);
                Assert.False(string.IsNullOrWhiteSpace(response.Json["detail"]?.GetValue<string>()), response.Body);
            }
        }
        finally
        {
            own?.Stop();
        }
    }
}
