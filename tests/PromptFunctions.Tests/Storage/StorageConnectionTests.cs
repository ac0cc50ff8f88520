using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Prompts;
using PromptFunctions.Core.Storage;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Storage;

/// <summary>
/// How the app reaches storage: a connection string (Azurite, shared keys) or service URIs with an Entra ID
/// identity (Azure). Building clients makes no request, so these run without network except the Azurite one.
/// </summary>
public sealed class StorageConnectionTests
{
    private const string BlobUri = "https://pfstore.blob.core.windows.net";
    private const string TableUri = "https://pfstore.table.core.windows.net";
    private const string IdentityClientId = "6f1c2a4e-8d3b-4a8f-9e2d-1b7c5a9f0e31";

    private static ServiceProvider Services(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddStorageOptions(configuration);
        services.AddSingleton<StorageClients>();
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static StorageOptions Bind(Dictionary<string, string?> settings)
    {
        using var provider = Services(settings);
        return provider.GetRequiredService<IOptions<StorageOptions>>().Value;
    }

    private static string Failure(Dictionary<string, string?> settings) =>
        Assert.Throws<OptionsValidationException>(() => Bind(settings)).Message;

    [Fact]
    public void Service_uris_with_a_client_id_are_valid_without_a_connection_string()
    {
        var options = Bind(new()
        {
            ["Storage:BlobServiceUri"] = BlobUri,
            ["Storage:TableServiceUri"] = TableUri,
            ["Storage:ClientId"] = IdentityClientId,
        });

        Assert.True(options.UsesServiceUris);
        Assert.Equal("", options.ConnectionString);
    }

    [Fact]
    public void Service_uris_win_over_the_runtime_connection_string_but_not_over_an_explicit_one()
    {
        var uris = Bind(new()
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Storage:BlobServiceUri"] = BlobUri,
            ["Storage:TableServiceUri"] = TableUri,
        });
        Assert.Equal("", uris.ConnectionString);

        Assert.Contains("not both", Failure(new()
        {
            ["ConnectionStrings:Storage"] = "UseDevelopmentStorage=true",
            ["Storage:BlobServiceUri"] = BlobUri,
            ["Storage:TableServiceUri"] = TableUri,
        }));
    }

    [Fact]
    public void The_runtime_connection_string_is_the_fallback_when_nothing_else_is_given()
    {
        var options = Bind(new() { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

        Assert.Equal("UseDevelopmentStorage=true", options.ConnectionString);
        Assert.False(options.UsesServiceUris);
    }

    public static TheoryData<Dictionary<string, string?>, string> InvalidSettings() => new()
    {
        { new(), "no storage configured" },
        { new() { ["Storage:BlobServiceUri"] = BlobUri }, "Storage:TableServiceUri is required" },
        { new() { ["Storage:TableServiceUri"] = TableUri }, "Storage:BlobServiceUri is required" },
        { new() { ["Storage:BlobServiceUri"] = "http://pfstore.blob.core.windows.net", ["Storage:TableServiceUri"] = TableUri }, "Storage:BlobServiceUri must be an absolute https URL" },
        { new() { ["Storage:BlobServiceUri"] = BlobUri, ["Storage:TableServiceUri"] = "pfstore.table" }, "Storage:TableServiceUri must be an absolute https URL" },
        { new() { ["Storage:BlobServiceUri"] = BlobUri, ["Storage:TableServiceUri"] = TableUri, ["Storage:ClientId"] = "my-identity" }, "Storage:ClientId must be the client id (a GUID)" },
        { new() { ["ConnectionStrings:Storage"] = "UseDevelopmentStorage=true", ["Storage:ClientId"] = IdentityClientId }, "Storage:ClientId applies only with" },
    };

    [Theory, MemberData(nameof(InvalidSettings))]
    public void Invalid_storage_settings_fail_with_a_message_naming_the_setting(Dictionary<string, string?> settings, string expected)
    {
        Assert.Contains(expected, Failure(settings));
    }

    [Fact]
    public void A_configured_client_id_selects_that_managed_identity_and_none_selects_the_default_chain()
    {
        var withIdentity = new StorageOptions { BlobServiceUri = BlobUri, TableServiceUri = TableUri, ClientId = IdentityClientId };
        var withoutIdentity = new StorageOptions { BlobServiceUri = BlobUri, TableServiceUri = TableUri };

        Assert.IsType<ManagedIdentityCredential>(StorageCredentials.For(withIdentity));
        Assert.IsType<DefaultAzureCredential>(StorageCredentials.For(withoutIdentity));
    }

    [Fact]
    public void Service_uris_build_clients_for_that_account_and_a_connection_string_builds_clients_for_its_endpoints()
    {
        using var identity = Services(new()
        {
            ["Storage:BlobServiceUri"] = BlobUri,
            ["Storage:TableServiceUri"] = TableUri,
            ["Storage:ClientId"] = IdentityClientId,
        });
        var viaIdentity = identity.GetRequiredService<StorageClients>();
        Assert.Equal(new Uri(BlobUri), viaIdentity.BlobService.Uri);
        Assert.Equal("pfstore", viaIdentity.BlobService.AccountName);
        Assert.Equal("pfstore", viaIdentity.TableService.AccountName);
        Assert.Equal(new Uri(BlobUri + "/prompt-versions"), viaIdentity.Versions.Uri);
        // Only a shared key can sign a SAS; with an identity there is none to sign with.
        Assert.False(viaIdentity.Versions.CanGenerateSasUri);

        using var keyed = Services(new() { ["ConnectionStrings:Storage"] = "UseDevelopmentStorage=true" });
        var viaKey = keyed.GetRequiredService<StorageClients>();
        Assert.Equal("devstoreaccount1", viaKey.BlobService.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), viaKey.BlobService.Uri);
        Assert.True(viaKey.Versions.CanGenerateSasUri);
    }

    [Fact]
    public async Task Registered_pipeline_policies_see_every_request_of_both_clients()
    {
        var storage = await TestStorage.CreateAsync();
        var counter = new CountingPolicy();
        using var provider = Services(storage.Configuration(), services => services.AddSingleton(new StoragePipelinePolicy(counter)));
        var clients = provider.GetRequiredService<StorageClients>();

        await clients.EnsureCreatedAsync();
        var afterCreate = counter.Count;
        await clients.Prompts.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("nobody", "nothing");
        await clients.Versions.GetBlobClient("nothing").ExistsAsync();

        Assert.Equal(7, afterCreate); // four tables (prompts, index, experiments, audit) and three containers
        Assert.Equal(afterCreate + 2, counter.Count);
    }

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);
        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}
