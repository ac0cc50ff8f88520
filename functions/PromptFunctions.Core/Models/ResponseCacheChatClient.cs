using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.AI;
using PromptFunctions.Prompts.Json;

namespace PromptFunctions.Core.Models;

/// <summary>How an experiment uses recorded model responses.</summary>
public enum ResponseCacheMode
{
    /// <summary>Always call the model; store nothing.</summary>
    Fresh,
    /// <summary>Serve recorded responses when present, otherwise call the model and record the response.</summary>
    Record,
    /// <summary>Serve recorded responses only; a miss is an error and never a model call.</summary>
    Replay,
}

/// <summary>A replay found no recorded response for a request.</summary>
public sealed class ResponseNotRecordedException(string key)
    : Exception($"No recorded model response for this request (cache key {key}); run it with cache 'record' first.")
{
    public string Key { get; } = key;
}

/// <summary>
/// Records and replays model responses in blob storage, keyed by the exact request the connection would send (see
/// <see cref="ModelRequestCapture"/>) and the repetition index, so a replayed experiment makes no model calls and
/// reproduces its outputs exactly, and a request that differs in anything the model sees is never served another's
/// answer. The repetition index travels in <see cref="ChatOptions.AdditionalProperties"/>
/// under <see cref="RepetitionProperty"/> and is removed before the request reaches the model.
/// </summary>
public sealed class ResponseCacheChatClient(IChatClient inner, BlobContainerClient container, string connection, ResponseCacheMode mode)
    : DelegatingChatClient(inner)
{
    public const string RepetitionProperty = "pf.repetition";

    private static readonly JsonSerializerOptions Json = AIJsonUtilities.DefaultOptions;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var (forwarded, repetition) = WithoutRepetition(options);
        if (mode == ResponseCacheMode.Fresh) return await base.GetResponseAsync(list, forwarded, cancellationToken);

        var capture = InnerClient.GetService<ModelRequestCapture>()
            ?? throw new InvalidOperationException($"Connection '{connection}' cannot show the request it would send, so its responses cannot be recorded or replayed; build it with ModelConnections.");
        var key = CacheKey(connection, await capture.CaptureAsync(list, forwarded, cancellationToken), repetition);
        var blob = container.GetBlobClient($"{key[..2]}/{key}.json");
        try
        {
            var recorded = await blob.DownloadContentAsync(cancellationToken);
            return JsonSerializer.Deserialize<ChatResponse>(recorded.Value.Content.ToStream(), Json)
                ?? throw new InvalidDataException($"Recorded response {key} is empty.");
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            if (mode == ResponseCacheMode.Replay) throw new ResponseNotRecordedException(key);
        }

        var response = await base.GetResponseAsync(list, forwarded, cancellationToken);
        try
        {
            await blob.UploadAsync(BinaryData.FromObjectAsJson(response, Json), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
        {
            // A concurrent run recorded the same request first; the first recording stays the reference.
        }
        return response;
    }

    private static (ChatOptions? Options, int Repetition) WithoutRepetition(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } properties || !properties.TryGetValue(RepetitionProperty, out var value)) return (options, 0);
        var copy = options.Clone();
        copy.AdditionalProperties!.Remove(RepetitionProperty);
        if (copy.AdditionalProperties.Count == 0) copy.AdditionalProperties = null;
        return (copy, Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// SHA-256 of the canonical JSON of the request the connection would send (method, path and query, and the body
    /// as canonical JSON when it is JSON, else its bytes), the connection's name and the repetition index. Keying on
    /// the final request rather than on chosen fields means that anything which reaches the model, including options
    /// added later, changes the key, and that nothing which does not reach it (the order of options in code) does.
    /// Version 2 of the key; responses recorded under version 1 (a list of fields) are not found.
    /// </summary>
    public static string CacheKey(string connection, CapturedModelRequest request, int repetition)
    {
        var key = new JsonObject
        {
            ["version"] = 2,
            ["connection"] = connection,
            ["method"] = request.Method,
            ["path"] = request.PathAndQuery,
            ["repetition"] = repetition,
        };
        try
        {
            key["body"] = JsonNode.Parse(request.Body);
            return CanonicalJson.Sha256Hex(key);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Not JSON, or JSON without a canonical form (a judge's request quotes model output, which may hold a
            // lone surrogate): the bytes as sent are the key.
            key["body"] = null;
            key["body_base64"] = Convert.ToBase64String(request.Body);
            return CanonicalJson.Sha256Hex(key);
        }
    }
}
