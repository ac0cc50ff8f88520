using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Storage;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Datasets;

/// <summary>
/// The datasets table and content container, on the process's storage clients (so retries and connections are
/// shared); created on first use, once.
/// </summary>
public sealed class DatasetStorage(StorageClients clients, IOptions<DatasetOptions> options)
{
    public TableClient Table { get; } = clients.TableService.GetTableClient(options.Value.Table);
    public BlobContainerClient Examples { get; } = clients.BlobService.GetBlobContainerClient(options.Value.ExamplesContainer);

    /// <summary>Completes when the table and container exist. A failure is not kept, so the next call retries.</summary>
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

    private async Task CreateAsync() => await Task.WhenAll(Table.CreateIfNotExistsAsync(), Examples.CreateIfNotExistsAsync());
}
