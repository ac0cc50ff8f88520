using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace PromptFunctions.Tests.Infrastructure;

public sealed class AzuriteServerTests
{
    [Fact]
    public async Task Shared_server_is_started_once_for_concurrent_callers()
    {
        var servers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(AzuriteServer.StartSharedAsync)));

        Assert.All(servers, s => Assert.Same(servers[0], s));
        Assert.Same(servers[0], await AzuriteServer.StartSharedAsync());
        if (!servers[0].IsExternal)
        {
            Assert.Contains($"AccountName={AzuriteServer.AccountName};", servers[0].ConnectionString, StringComparison.Ordinal);
            Assert.Contains("BlobEndpoint=http://127.0.0.1:", servers[0].ConnectionString, StringComparison.Ordinal);
            Assert.Contains("TableEndpoint=http://127.0.0.1:", servers[0].ConnectionString, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Table_entity_round_trips()
    {
        var server = await AzuriteServer.StartSharedAsync();
        var table = new TableClient(server.ConnectionString, AzuriteServer.UniqueName("fixture"));
        await table.CreateAsync();
        try
        {
            var entity = new TableEntity("partition", "row") { ["Text"] = "hello", ["Number"] = 42 };
            await table.AddEntityAsync(entity);

            var read = (await table.GetEntityAsync<TableEntity>("partition", "row")).Value;

            Assert.Equal("hello", read.GetString("Text"));
            Assert.Equal(42, read.GetInt32("Number"));
            Assert.NotEqual(default, read.ETag);

            var duplicate = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(entity));
            Assert.Equal(409, duplicate.Status);
        }
        finally
        {
            await table.DeleteAsync();
        }
    }

    [Fact]
    public async Task Blob_upload_with_if_none_match_star_conflicts_when_blob_exists()
    {
        var server = await AzuriteServer.StartSharedAsync();
        var container = new BlobContainerClient(server.ConnectionString, AzuriteServer.UniqueName("fixture"));
        await container.CreateAsync();
        try
        {
            var blob = container.GetBlobClient("prompt.json");
            var createOnly = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };

            await blob.UploadAsync(BinaryData.FromString("first"), createOnly);
            var conflict = await Assert.ThrowsAsync<RequestFailedException>(
                () => blob.UploadAsync(BinaryData.FromString("second"), createOnly));

            Assert.Equal(409, conflict.Status);
            Assert.Equal(BlobErrorCode.BlobAlreadyExists.ToString(), conflict.ErrorCode);
            Assert.Equal("first", (await blob.DownloadContentAsync()).Value.Content.ToString());
        }
        finally
        {
            await container.DeleteAsync();
        }
    }

    [Fact]
    public void Unique_names_are_valid_table_and_container_names()
    {
        var names = Enumerable.Range(0, 200).Select(_ => AzuriteServer.UniqueName("t")).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, n => Assert.Matches("^[a-z][a-z0-9]{2,62}$", n));
        Assert.Equal(63, AzuriteServer.UniqueName(new string('a', 51)).Length);
        Assert.Throws<ArgumentException>(() => AzuriteServer.UniqueName(new string('a', 52)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("Abc")]
    [InlineData("ab-c")]
    [InlineData("ab_c")]
    public void Unique_name_rejects_prefixes_that_storage_would_reject(string prefix)
    {
        Assert.Throws<ArgumentException>(() => AzuriteServer.UniqueName(prefix));
    }
}
