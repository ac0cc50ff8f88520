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
        ETag = JsonResponses.Quote(record.Id);
    }

    /// <summary>The quoted entity tag of responses carrying this version.</summary>
    public string ETag { get; }

    public VersionRecord Record { get; }
    public PromptVersionContent Content { get; }

    /// <summary>The normalized content document; treat as read-only, it is shared between requests.</summary>
    public JsonObject ContentJson { get; }

    /// <summary>The version document (<see cref="PromptVersionDocument"/>): record members, then the content.</summary>
    public byte[] ResponseBytes { get; }
}
