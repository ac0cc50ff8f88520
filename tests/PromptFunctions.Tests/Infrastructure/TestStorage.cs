using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// Tables and a container of this test's own on the shared Azurite, so no test reads rows another test wrote.
/// </summary>
public sealed class TestStorage
{
    private TestStorage(string connectionString)
    {
        ConnectionString = connectionString;
        PromptsTable = AzuriteServer.UniqueName("prompts");
        PromptIndexTable = AzuriteServer.UniqueName("index");
        VersionsContainer = AzuriteServer.UniqueName("versions");
        ExperimentsTable = AzuriteServer.UniqueName("experiments");
        AuditTable = AzuriteServer.UniqueName("audit");
        ExperimentOutputsContainer = AzuriteServer.UniqueName("outputs");
        ModelCacheContainer = AzuriteServer.UniqueName("modelcache");
        DatasetsTable = AzuriteServer.UniqueName("datasets");
        DatasetExamplesContainer = AzuriteServer.UniqueName("examples");
        WebhooksTable = AzuriteServer.UniqueName("webhooks");
        OptimizationsTable = AzuriteServer.UniqueName("optimizations");
        OptimizationContentContainer = AzuriteServer.UniqueName("optcontent");
        DatasetStagingDirectory = Path.Combine(Path.GetTempPath(), "pf-tests", AzuriteServer.UniqueName("staging"));
        SuitesTable = AzuriteServer.UniqueName("suites");
        SuiteRunsTable = AzuriteServer.UniqueName("suiteruns");
        SuiteReportsContainer = AzuriteServer.UniqueName("reports");
    }

    public string ConnectionString { get; }
    public string PromptsTable { get; }
    public string PromptIndexTable { get; }
    public string VersionsContainer { get; }
    public string ExperimentsTable { get; }
    public string AuditTable { get; }
    public string ExperimentOutputsContainer { get; }
    public string ModelCacheContainer { get; }
    public string DatasetsTable { get; }
    public string DatasetExamplesContainer { get; }
    public string WebhooksTable { get; }
    public string SuitesTable { get; }
    public string SuiteRunsTable { get; }
    public string SuiteReportsContainer { get; }
    public string OptimizationsTable { get; }
    public string OptimizationContentContainer { get; }

    /// <summary>Where this test's hosts stage uploads; part of the snapshot, since a rejected upload must leave nothing here either.</summary>
    public string DatasetStagingDirectory { get; }

    public static async Task<TestStorage> CreateAsync() => new((await AzuriteServer.StartSharedAsync()).ConnectionString);

    /// <summary>Names of this test's own on the storage at <paramref name="connectionString"/>.</summary>
    public static TestStorage On(string connectionString) => new(connectionString);

    public Dictionary<string, string?> Configuration() => new()
    {
        ["ConnectionStrings:Storage"] = ConnectionString,
        ["Storage:PromptsTable"] = PromptsTable,
        // Test hosts start by the hundred in one warm process; the warm-up has its own test.
        ["Experiments:WarmUpAtStart"] = "false",
        ["Storage:PromptIndexTable"] = PromptIndexTable,
        ["Storage:VersionsContainer"] = VersionsContainer,
        ["Storage:ExperimentsTable"] = ExperimentsTable,
        ["Storage:AuditTable"] = AuditTable,
        ["Storage:ExperimentOutputsContainer"] = ExperimentOutputsContainer,
        ["Storage:ModelCacheContainer"] = ModelCacheContainer,
        ["Datasets:Table"] = DatasetsTable,
        ["Datasets:ExamplesContainer"] = DatasetExamplesContainer,
        ["Datasets:StagingDirectory"] = DatasetStagingDirectory,
        ["Webhooks:Table"] = WebhooksTable,
        ["Suites:Table"] = SuitesTable,
        ["Suites:RunsTable"] = SuiteRunsTable,
        ["Suites:ReportsContainer"] = SuiteReportsContainer,
        ["Optimization:Table"] = OptimizationsTable,
        ["Optimization:ContentContainer"] = OptimizationContentContainer,
    };

    /// <summary>
    /// Every entity (with its ETag) and every blob (with its ETag) this test's storage holds, as sorted text, so
    /// two snapshots are equal exactly when nothing was written in between.
    /// </summary>
    public async Task<string> SnapshotAsync()
    {
        var lines = new List<string>();
        var tables = new TableServiceClient(ConnectionString);
        foreach (var table in new[] { PromptsTable, PromptIndexTable, DatasetsTable, ExperimentsTable, WebhooksTable, SuitesTable, SuiteRunsTable, OptimizationsTable })
        {
            var client = tables.GetTableClient(table);
            await client.CreateIfNotExistsAsync();
            await foreach (var entity in client.QueryAsync<TableEntity>())
            {
                // The event outbox and the pending-delivery index change in the background after any committed
                // write (the dispatcher empties them); a test's own request is judged by the other rows.
                if (table == WebhooksTable && entity.PartitionKey is "events" or "pending") continue;
                lines.Add($"table {table} {entity.PartitionKey} {entity.RowKey} {entity.ETag}");
            }
        }
        foreach (var name in new[] { VersionsContainer, DatasetExamplesContainer, ExperimentOutputsContainer, ModelCacheContainer, SuiteReportsContainer, OptimizationContentContainer })
        {
            var container = new BlobServiceClient(ConnectionString).GetBlobContainerClient(name);
            await container.CreateIfNotExistsAsync();
            await foreach (var blob in container.GetBlobsAsync())
                lines.Add($"blob {name} {blob.Name} {blob.Properties.ETag}");
        }
        if (Directory.Exists(DatasetStagingDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(DatasetStagingDirectory))
                lines.Add($"staged {Path.GetFileName(file)}");
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }
}
