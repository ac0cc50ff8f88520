using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PromptFunctions.Contracts.Prompts;

/// <summary>Who created a version, when and from what: the record members every version document starts with.</summary>
public record VersionInfo(
    string Id,
    string Prompt,
    long Sequence,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Parent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExperimentId = null)
{
    /// <summary>Set on versions an optimization run proposed: the run, its round, the optimizer's rationale and the validation comparison.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VersionOptimization? Optimization { get; init; }
}

/// <summary>Where an optimized version came from (docs/optimization.md); <c>comparison</c> is the validation verdict that let it through.</summary>
public sealed record VersionOptimization(string Id, int Round, string? Rationale, string? Comparison);

/// <summary>
/// A version as the fetch routes serve it: its <see cref="VersionInfo"/> members followed by its normalized content
/// (<c>template</c>, <c>template_format</c>, <c>model</c>, <c>invocation_parameters</c>, <c>tools</c>,
/// <c>response_format</c>, <c>description</c>, <c>metadata</c>), which the prompts library reads and writes.
/// </summary>
public record PromptVersionDocument(
    string Id,
    string Prompt,
    long Sequence,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string? Message = null,
    string? Parent = null,
    string? ExperimentId = null) : VersionInfo(Id, Prompt, Sequence, CreatedAt, CreatedBy, Message, Parent, ExperimentId)
{
    // JsonObject extension data is written without its member names by System.Text.Json 10, so the content
    // travels as elements; ContractsJson.Members and ContractsJson.ToObject convert.
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Content { get; set; }
}

/// <summary>One row of <c>GET /api/prompts</c>.</summary>
public sealed record PromptSummary(string Name, string? Description, long VersionCount, string? LatestId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary><c>GET /api/prompts/{name}</c>.</summary>
public sealed record PromptDetail(
    string Name,
    string? Description,
    JsonNode? Metadata,
    long VersionCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    VersionInfo? Latest,
    IReadOnlyList<TagInfo> Tags);

/// <summary>A live tag and the version it points at.</summary>
public record TagInfo(string Name, string Prompt, VersionInfo Version, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>The answer to a tag move or rollback: the tag, whether it changed, and the history entry the change wrote.</summary>
public sealed record TagChangeResponse(
    string Name,
    string Prompt,
    VersionInfo Version,
    DateTimeOffset UpdatedAt,
    string UpdatedBy,
    bool Changed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TagHistoryItem? HistoryEntry = null)
    : TagInfo(Name, Prompt, Version, UpdatedAt, UpdatedBy);

/// <summary>A version by id and sequence number.</summary>
public sealed record VersionPointer(string Id, long? Sequence);

/// <summary>One change of a tag: <c>create</c>, <c>move</c>, <c>delete</c> or <c>rollback</c>.</summary>
public sealed record TagHistoryItem(long Number, string Action, VersionPointer? From, VersionPointer? To, string Actor, DateTimeOffset At, string? Reason);

/// <summary>The body of <c>POST /api/prompts/{name}/versions</c>.</summary>
/// <param name="Version">The version content: <c>template</c>, <c>template_format</c>, <c>model</c>, ...</param>
/// <param name="Parent">A version id or <c>v{sequence}</c> of the same prompt.</param>
/// <param name="Tags">Tags to point at the version once it is saved.</param>
public sealed record CreateVersionRequest(
    JsonObject Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Parent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Tags = null);

/// <summary>
/// The answer to <c>POST /api/prompts/{name}/versions</c>: the version document, whether this request created it
/// (false when identical content already existed), and what moving each requested tag did.
/// </summary>
public sealed record CreatedVersionResponse(
    string Id,
    string Prompt,
    long Sequence,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string? Message,
    string? Parent,
    string? ExperimentId,
    [property: JsonPropertyOrder(1)] bool Created,
    [property: JsonPropertyOrder(1)] IReadOnlyList<TagMoveResult> Tags) : PromptVersionDocument(Id, Prompt, Sequence, CreatedAt, CreatedBy, Message, Parent, ExperimentId);

/// <summary>What moving one requested tag onto a created version did.</summary>
public sealed record TagMoveResult(string Name, bool Changed);

/// <summary>The body of <c>PUT /api/prompts/{name}/tags/{tag}</c>.</summary>
public sealed record MoveTagRequest(string Version, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary>The optional body of <c>POST /api/prompts/{name}/tags/{tag}/rollback</c>.</summary>
public sealed record RollbackRequest([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null);

/// <summary><c>GET /api/prompts/{name}/versions/{id}/variables</c>.</summary>
public sealed record VersionVariables(string Id, long Sequence, string TemplateFormat, IReadOnlyList<string> Variables, IReadOnlyList<string> Placeholders);

/// <summary>The body of <c>POST /api/prompts/{name}/render</c>: at most one of tag and version (neither means latest).</summary>
public sealed record RenderRequest(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Version = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Variables = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Strict = null);

/// <summary>One rendered chat message; <c>content</c> is a string or a list of parts.</summary>
public sealed record RenderedChatMessage(string Role, JsonNode? Content);

/// <summary>A rendered version: chat <c>messages</c> or completion <c>text</c>, with the version's model settings.</summary>
public sealed record RenderResponse(
    string Prompt,
    string Id,
    long Sequence,
    string TemplateFormat,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<RenderedChatMessage>? Messages,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Model,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? InvocationParameters,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? Tools,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonNode? ResponseFormat,
    IReadOnlyList<string> MissingVariables);

/// <summary><c>GET /api/prompts/{name}/diff</c>: the two versions, then the structured difference.</summary>
public sealed record DiffResponse(string Prompt, VersionInfo From, VersionInfo To)
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Difference { get; set; }
}

/// <summary>Where one tag of a prompt points, for the drift view.</summary>
public sealed record DriftTarget(string Id, long Sequence, DateTimeOffset UpdatedAt);

/// <summary>One prompt in the drift view: each requested tag's target (null when unset) and whether they differ.</summary>
public sealed record DriftRow(string Prompt, IReadOnlyDictionary<string, DriftTarget?> Tags, bool Differ);

/// <summary><c>GET /api/tags</c>.</summary>
public sealed record DriftResponse(IReadOnlyList<string> Tags, IReadOnlyList<DriftRow> Data, string? NextCursor);

/// <summary><c>GET /api/prompts/{name}/tags</c>.</summary>
public sealed record TagList(IReadOnlyList<TagInfo> Data);
