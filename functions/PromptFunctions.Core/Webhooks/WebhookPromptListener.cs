using System.Globalization;
using System.Text.Json.Nodes;
using PromptFunctions.Core.Events;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Core.Webhooks;

/// <summary>
/// Turns every committed prompt change into its event. <see cref="PromptService"/> is the only writer of prompts
/// and tells its listeners after each committed write, so no API (native, Phoenix, Langfuse, promotion) changes a
/// prompt without the event.
/// </summary>
/// <remarks>
/// Idempotency keys carry the change's time as well as its identity: a prompt deleted and created again reuses
/// names, sequence and history numbers, and its events must not be taken for the old ones.
/// </remarks>
public sealed class WebhookPromptListener(IEventPublisher events) : IPromptChangeListener
{
    public async ValueTask OnChangedAsync(PromptChange change, CancellationToken cancellationToken)
    {
        switch (change)
        {
            case PromptChange.VersionCreated created:
                var v = created.Version;
                await events.PublishAsync(EventTypes.PromptVersionCreated, Key(v.Prompt, v.Id, v.CreatedAt), new JsonObject
                {
                    ["prompt"] = v.Prompt,
                    ["version"] = new JsonObject
                    {
                        ["id"] = v.Id,
                        ["sequence"] = v.Sequence,
                        ["created_at"] = Time(v.CreatedAt),
                        ["created_by"] = v.CreatedBy,
                        ["message"] = v.Message,
                        ["parent"] = v.Parent,
                        ["experiment_id"] = v.ExperimentId,
                    },
                }, cancellationToken);
                break;
            case PromptChange.TagChanged { Entry: var entry }:
                var deleted = entry.Action == TagActions.Delete;
                var data = new JsonObject
                {
                    ["prompt"] = entry.Prompt,
                    ["tag"] = entry.Tag,
                    ["action"] = entry.Action,
                    ["previous_version"] = Pointer(entry.FromVersion, entry.FromSequence),
                };
                if (!deleted) data["version"] = Pointer(entry.ToVersion, entry.ToSequence);
                data["actor"] = entry.Actor;
                data["reason"] = entry.Reason;
                data["at"] = Time(entry.At);
                data["history_number"] = entry.Number;
                await events.PublishAsync(deleted ? EventTypes.PromptTagDeleted : EventTypes.PromptTagMoved,
                    Key(entry.Prompt, entry.Tag, entry.Number.ToString(CultureInfo.InvariantCulture), entry.At), data, cancellationToken);
                break;
            case PromptChange.VersionDeleted { PromptWentWithIt: true } last:
                await PromptDeletedAsync(last.Prompt, last.By, last.When, cancellationToken);
                break;
            case PromptChange.PromptDeleted gone:
                await PromptDeletedAsync(gone.Name, gone.By, gone.When, cancellationToken);
                break;
        }
    }

    private Task PromptDeletedAsync(string prompt, string actor, DateTimeOffset at, CancellationToken cancellationToken) =>
        events.PublishAsync(EventTypes.PromptDeleted, Key(prompt, at), new JsonObject { ["prompt"] = prompt, ["actor"] = actor, ["at"] = Time(at) }, cancellationToken);

    private static JsonObject? Pointer(string? id, long? sequence) => id is null ? null : new JsonObject { ["id"] = id, ["sequence"] = sequence };

    private static string Time(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static string Key(params object[] parts) =>
        string.Join('|', parts.Select(p => p is DateTimeOffset t ? t.UtcTicks.ToString(CultureInfo.InvariantCulture) : Convert.ToString(p, CultureInfo.InvariantCulture)));
}
