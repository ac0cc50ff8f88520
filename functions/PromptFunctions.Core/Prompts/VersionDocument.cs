using System.Text.Json.Nodes;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Prompts;
using PromptFunctions.Core.Http;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Core.Prompts;

/// <summary>A version with its content, and the exact bytes an API response for it carries, serialized once.</summary>
public sealed class VersionDocument
{
    public VersionDocument(VersionRecord record, byte[] canonicalContent)
    {
        Record = record;
        ContentJson = JsonNode.Parse(canonicalContent)!.AsObject();
        Content = PromptVersionJson.Parse(ContentJson.DeepClone());
        ResponseBytes = ContractsJson.Serialize(PromptContractMapping.Document(record, ContentJson));
        EntityTag = EntityTagOf(record);
        ETag = JsonResponses.Quote(EntityTag);
    }

    /// <summary>
    /// The entity tag of responses carrying a version: <c>{id}.{sequence}</c>. The content id alone would not do:
    /// after a prompt is deleted and the same content posted again, the id names a new record (sequence, time,
    /// message), and the response bytes differ. A sequence number is never reused within a prompt, so the pair
    /// names one response for as long as the service exists.
    /// </summary>
    public static string EntityTagOf(VersionRecord record) => EntityTagOf(record.Id, record.Sequence);

    public static string EntityTagOf(string id, long sequence) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{id}.{sequence}");

    /// <summary>The entity tag without quotes, what <c>If-None-Match</c> is compared with.</summary>
    public string EntityTag { get; }

    /// <summary>The quoted entity tag of responses carrying this version.</summary>
    public string ETag { get; }

    public VersionRecord Record { get; }
    public PromptVersionContent Content { get; }

    /// <summary>The normalized content document; treat as read-only, it is shared between requests.</summary>
    public JsonObject ContentJson { get; }

    /// <summary>The version document (<see cref="PromptVersionDocument"/>): record members, then the content.</summary>
    public byte[] ResponseBytes { get; }
}
