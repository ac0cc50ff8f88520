using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PromptFunctions.Core.Auth;
using PromptFunctions.Core.Storage;
using PromptFunctions.Prompts.Json;
using PromptFunctions.Prompts.Model;
using PromptFunctions.Core.Http;

namespace PromptFunctions.Core.Prompts;

/// <param name="Created">False when identical content already existed and was reused.</param>
/// <param name="Tags">Each requested tag and whether it moved.</param>
public sealed record PublishedVersion(VersionRecord Version, bool Created, IReadOnlyList<(string Tag, bool Changed)> Tags);

/// <summary>
/// Saves a version and moves tags onto it, with the protected-tag rule: the one path by which the native API,
/// the compatibility APIs and experiment promotion publish prompts.
/// </summary>
public sealed class PromptPublisher(PromptCatalog catalog, IOptions<PromptHubOptions> options)
{
    /// <summary>403 unless <paramref name="principal"/> may move or delete <paramref name="tag"/>.</summary>
    public void RequireMayChangeTag(ApiPrincipal principal, string tag) => ApiCall.RequireMayChangeTag(options.Value, principal, tag);

    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="prompt"/> (or finds the identical version) and points
    /// each of <paramref name="tags"/> at it. Checks every tag's protection before writing anything.
    /// </summary>
    /// <exception cref="ProblemException">A tag is protected and the caller may not move it, or the parent does not exist.</exception>
    public async Task<PublishedVersion> PublishAsync(string prompt, PromptVersionContent content, VersionCreation creation, IReadOnlyList<string> tags,
        ApiPrincipal actor, string parentPath, CancellationToken cancellationToken)
    {
        foreach (var tag in tags) RequireMayChangeTag(actor, tag);
        var canonical = PromptVersionJson.ToCanonicalBytes(content);
        var id = CanonicalJson.Sha256Hex(canonical);
        var outcome = await catalog.Store.CreateVersionAsync(prompt, id, canonical, creation, cancellationToken);
        var (record, created) = outcome switch
        {
            CreateVersionOutcome.Created c => (c.Version, true),
            CreateVersionOutcome.AlreadyExists e => (e.Version, false),
            CreateVersionOutcome.ParentNotFound p => throw ProblemException.Invalid(parentPath, $"prompt '{prompt}' has no version '{p.Parent}'"),
            _ => throw new InvalidOperationException(outcome.ToString()),
        };
        if (created) catalog.ForgetLatest(prompt);

        var moved = new List<(string, bool)>(tags.Count);
        foreach (var tag in tags)
        {
            var change = await catalog.Store.MoveTagAsync(prompt, tag, record.Id, TagPrecondition.None, actor.Name, creation.Message ?? "set on version create", cancellationToken);
            catalog.ForgetTag(prompt, tag);
            moved.Add((tag, change is TagChangeOutcome.Changed));
        }
        return new PublishedVersion(record, created, moved);
    }
}
