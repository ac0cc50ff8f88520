using System.Text.Json.Nodes;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Prompts;

namespace PromptFunctions.Core.Prompts;

/// <summary>The prompt hub's records as the native API's contracts.</summary>
public static class PromptContractMapping
{
    public static VersionInfo Info(VersionRecord record) =>
        new(record.Id, record.Prompt, record.Sequence, record.CreatedAt, record.CreatedBy, record.Message, record.Parent, record.ExperimentId)
        {
            Optimization = Lineage(record.Optimization),
        };

    public static PromptVersionDocument Document(VersionRecord record, JsonObject content) =>
        new(record.Id, record.Prompt, record.Sequence, record.CreatedAt, record.CreatedBy, record.Message, record.Parent, record.ExperimentId)
        {
            Optimization = Lineage(record.Optimization),
            Content = ContractsJson.Members(content),
        };

    public static VersionOptimization? Lineage(VersionLineage? lineage) =>
        lineage is null ? null : new(lineage.OptimizationId, lineage.Round, lineage.Rationale, lineage.Comparison);

    public static TagInfo Tag(TagRecord tag) => new(tag.Name, tag.Prompt, Info(tag.Target), tag.UpdatedAt, tag.UpdatedBy);

    public static TagChangeResponse TagChange(TagRecord tag, TagHistoryEntry? entry) =>
        new(tag.Name, tag.Prompt, Info(tag.Target), tag.UpdatedAt, tag.UpdatedBy, entry is not null, entry is null ? null : History(entry));

    public static TagHistoryItem History(TagHistoryEntry e) => new(
        e.Number,
        e.Action,
        e.FromVersion is null ? null : new VersionPointer(e.FromVersion, e.FromSequence),
        e.ToVersion is null ? null : new VersionPointer(e.ToVersion, e.ToSequence),
        e.Actor,
        e.At,
        e.Reason);

    public static PromptSummary Summary(PromptIndexItem item) => new(item.Name, item.Description, item.VersionCount, item.LatestId, item.CreatedAt, item.UpdatedAt);
}
