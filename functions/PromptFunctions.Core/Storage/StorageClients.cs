using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Storage;

/// <summary>
/// The storage clients of the process, built once from <see cref="StorageOptions"/> with retries configured on
/// the client options; tables and containers are created on first use, once.
/// </summary>
public sealed class StorageClients
{
    public StorageClients(IOptions<StorageOptions> options, IEnumerable<StoragePipelinePolicy>? policies = null)
    {
        var settings = options.Value;
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.MaxRetries = 3;
        tableOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        var blobOptions = new BlobClientOptions();
        blobOptions.Retry.MaxRetries = 3;
        blobOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        foreach (var added in policies ?? [])
        {
            tableOptions.AddPolicy(added.Policy, added.Position);
            blobOptions.AddPolicy(added.Policy, added.Position);
        }

        if (settings.UsesServiceUris)
        {
            // One credential for both clients, so they share its token cache.
            var credential = StorageCredentials.For(settings);
            TableService = new TableServiceClient(new Uri(settings.TableServiceUri!), credential, tableOptions);
            BlobService = new BlobServiceClient(new Uri(settings.BlobServiceUri!), credential, blobOptions);
        }
        else
        {
            TableService = new TableServiceClient(settings.ConnectionString, tableOptions);
            BlobService = new BlobServiceClient(settings.ConnectionString, blobOptions);
        }
        Prompts = TableService.GetTableClient(settings.PromptsTable);
        PromptIndex = TableService.GetTableClient(settings.PromptIndexTable);
        Versions = BlobService.GetBlobContainerClient(settings.VersionsContainer);
        Experiments = TableService.GetTableClient(settings.ExperimentsTable);
        Audit = TableService.GetTableClient(settings.AuditTable);
        ExperimentOutputs = BlobService.GetBlobContainerClient(settings.ExperimentOutputsContainer);
        ModelCache = BlobService.GetBlobContainerClient(settings.ModelCacheContainer);
    }

    public TableServiceClient TableService { get; }
    public BlobServiceClient BlobService { get; }
    public TableClient Prompts { get; }
    public TableClient PromptIndex { get; }
    public BlobContainerClient Versions { get; }
    public TableClient Experiments { get; }
    public TableClient Audit { get; }
    public BlobContainerClient ExperimentOutputs { get; }
    public BlobContainerClient ModelCache { get; }

    /// <summary>Completes when every table and container exists. A failure is not kept, so the next call retries.</summary>
    public Task EnsureCreatedAsync()
    {
        lock (_creationLock)
        {
            if (_creation is null || _creation.IsFaulted || _creation.IsCanceled) _creation = CreateAllAsync();
            return _creation;
        }
    }

    private readonly Lock _creationLock = new();
    private Task? _creation;

    private async Task CreateAllAsync()
    {
        await Task.WhenAll(
            Prompts.CreateIfNotExistsAsync(),
            PromptIndex.CreateIfNotExistsAsync(),
            Versions.CreateIfNotExistsAsync(),
            Experiments.CreateIfNotExistsAsync(),
            Audit.CreateIfNotExistsAsync(),
            ExperimentOutputs.CreateIfNotExistsAsync(),
            ModelCache.CreateIfNotExistsAsync());
    }
}
