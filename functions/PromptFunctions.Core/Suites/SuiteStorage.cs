using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Suites;

/// <summary>The suite tables and report container on the process's storage clients; created on first use, once.</summary>
public sealed class SuiteStorage(StorageClients clients, IOptions<SuitesOptions> options)
{
    public TableClient Suites { get; } = clients.TableService.GetTableClient(options.Value.Table);
    public TableClient Runs { get; } = clients.TableService.GetTableClient(options.Value.RunsTable);
    public BlobContainerClient Reports { get; } = clients.BlobService.GetBlobContainerClient(options.Value.ReportsContainer);

    /// <summary>Completes when the tables and container exist. A failure is not kept, so the next call retries.</summary>
    public Task EnsureCreatedAsync()
    {
        lock (_creationLock)
        {
            if (_creation is null || _creation.IsFaulted || _creation.IsCanceled) _creation = CreateAsync();
            return _creation;
        }
    }

    private readonly Lock _creationLock = new();
    private Task? _creation;

    private async Task CreateAsync() => await Task.WhenAll(Suites.CreateIfNotExistsAsync(), Runs.CreateIfNotExistsAsync(), Reports.CreateIfNotExistsAsync());
}
