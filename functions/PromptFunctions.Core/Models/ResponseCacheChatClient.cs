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
/// Records and replays model responses in blob storage, keyed by connection, model, the exact messages, the
/// parameters that shape the answer and the repetition index, so a replayed experiment makes no model calls and
/// reproduces its outputs exactly. The repetition index travels in <see cref="ChatOptions.AdditionalProperties"/>
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

        var key = CacheKey(connection, list, forwarded, repetition, InnerClient.GetService<ChatClientMetadata>()?.DefaultModelId);
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

    /// <summary>SHA-256 of the canonical JSON of everything that determines the answer.</summary>
    public static string CacheKey(string connection, IReadOnlyList<ChatMessage> messages, ChatOptions? options, int repetition, string? defaultModel)
    {
        var key = new JsonObject
        {
            ["connection"] = connection,
            ["model"] = options?.ModelId ?? defaultModel,
            ["messages"] = JsonSerializer.SerializeToNode(messages, Json),
            ["repetition"] = repetition,
        };
        if (options is not null)
        {
            key["temperature"] = options.Temperature;
            key["max_output_tokens"] = options.MaxOutputTokens;
            key["top_p"] = options.TopP;
            key["top_k"] = options.TopK;
            key["seed"] = options.Seed;
            key["frequency_penalty"] = options.FrequencyPenalty;
            key["presence_penalty"] = options.PresencePenalty;
            key["stop"] = options.StopSequences is { } stop ? new JsonArray(stop.Select(s => (JsonNode?)s).ToArray()) : null;
            key["response_format"] = options.ResponseFormat is ChatResponseFormatJson json
                ? new JsonObject { ["name"] = json.SchemaName, ["schema"] = json.Schema is { } schema ? JsonNode.Parse(schema.GetRawText()) : null }
                : options.ResponseFormat is null ? null : JsonValue.Create(options.ResponseFormat.GetType().Name);
            key["tools"] = options.Tools is { Count: > 0 } tools
                ? new JsonArray(tools.Select(t => (JsonNode?)new JsonObject
                {
                    ["name"] = t.Name,
                    ["description"] = t.Description,
                    ["schema"] = t is AIFunctionDeclaration f ? JsonNode.Parse(f.JsonSchema.GetRawText()) : null,
                }).ToArray())
                : null;
            key["tool_mode"] = options.ToolMode?.ToString();
            key["extra"] = options.AdditionalProperties is { Count: > 0 } extra ? JsonSerializer.SerializeToNode(extra, Json) : null;
        }
        return CanonicalJson.Sha256Hex(key);
    }
}
