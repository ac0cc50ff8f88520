using Azure.Data.Tables;
using PromptFunctions.Core.Storage;

namespace PromptFunctions.Core.Health;

internal static class StorageProbe
{
    /// <summary>
    /// One round-trip each to table and blob storage, every time: creating the tables and containers happens once
    /// per process, so it says nothing about whether storage is reachable now.
    /// </summary>
    public static Task ProbeAsync(this StorageClients storage, CancellationToken cancellationToken) =>
        Task.WhenAll(
            storage.Prompts.GetEntityIfExistsAsync<TableEntity>("health", "probe", ["PartitionKey"], cancellationToken),
            storage.Versions.ExistsAsync(cancellationToken));
}
