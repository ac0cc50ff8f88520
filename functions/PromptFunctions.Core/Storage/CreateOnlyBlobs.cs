using System.Net;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace PromptFunctions.Core.Storage;

/// <summary>
/// Content-addressed blobs are written once and never changed: the name is the hash of the bytes, so an existing
/// blob of that name already holds exactly these bytes, and losing the race to another writer is success.
/// </summary>
public static class CreateOnlyBlobs
{
    /// <summary>Uploads <paramref name="content"/> unless the blob exists; returns false when it already did.</summary>
    public static async Task<bool> UploadIfAbsentAsync(this BlobClient blob, Stream content, string contentType, CancellationToken cancellationToken,
        StorageTransferOptions? transfer = null)
    {
        try
        {
            await blob.UploadAsync(content, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                TransferOptions = transfer ?? default,
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    /// <inheritdoc cref="UploadIfAbsentAsync(BlobClient, Stream, string, CancellationToken, StorageTransferOptions?)"/>
    public static Task<bool> UploadIfAbsentAsync(this BlobClient blob, byte[] content, string contentType, CancellationToken cancellationToken) =>
        blob.UploadIfAbsentAsync(new MemoryStream(content, writable: false), contentType, cancellationToken);

    /// <summary>The blob's bytes, or null when there is no such blob.</summary>
    public static async Task<byte[]?> DownloadOrNullAsync(this BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var result = await blob.DownloadContentAsync(cancellationToken);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
