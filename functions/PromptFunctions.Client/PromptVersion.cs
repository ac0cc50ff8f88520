using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PromptFunctions.Contracts;
using PromptFunctions.Contracts.Prompts;
using PromptFunctions.Prompts.Model;

namespace PromptFunctions.Client;

/// <summary>
/// One immutable version of a prompt as the API serves it: its record (id, sequence, who created it and when) and
/// its content. Instances are shared between callers and cached; treat <see cref="Content"/> as read-only.
/// </summary>
public sealed record PromptVersion
{
    /// <summary>The prompt's name.</summary>
    public required string Name { get; init; }

    /// <summary>The content id: the SHA-256 of the canonical JSON of <see cref="Content"/>, 64 lowercase hex characters.</summary>
    public required string Id { get; init; }

    /// <summary>The per-prompt sequence number (<c>v1</c>, <c>v2</c>, ...); <c>0</c> for a fallback.</summary>
    public required long Sequence { get; init; }

    /// <summary>When the version was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The name of the key that created it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>The commit message given on creation.</summary>
    public string? Message { get; init; }

    /// <summary>The id of the version this one was derived from.</summary>
    public string? Parent { get; init; }

    /// <summary>The experiment the version was created by, if any.</summary>
    public string? ExperimentId { get; init; }

    /// <summary>The template, model, invocation parameters, tools and response format.</summary>
    public required PromptVersionContent Content { get; init; }

    /// <summary>
    /// True when this is the fallback configured in <see cref="PromptFunctionsClientOptions.Fallbacks"/>, served
    /// because the service could not be reached and nothing was cached yet.
    /// </summary>
    public bool IsFallback { get; init; }

    /// <summary>The sequence as the API writes it, e.g. <c>v3</c>.</summary>
    public string SequenceLabel => string.Create(CultureInfo.InvariantCulture, $"v{Sequence}");

    /// <summary>The version document as the API serves it: record members followed by the normalized content.</summary>
    public JsonObject ToJson() =>
        JsonSerializer.SerializeToNode(
            new PromptVersionDocument(Id, Name, Sequence, CreatedAt, CreatedBy, Message, Parent, ExperimentId) { Content = ContractsJson.Members(PromptVersionJson.ToJson(Content)) },
            ContractsJson.Context.PromptVersionDocument)!.AsObject();

    /// <summary>A fallback version built from content given in configuration, identified by its content id.</summary>
    internal static PromptVersion Fallback(string name, PromptVersionContent content) => new()
    {
        Name = name,
        Id = PromptVersionJson.ComputeId(content),
        Sequence = 0,
        CreatedAt = DateTimeOffset.UnixEpoch,
        CreatedBy = "fallback",
        Message = "configured fallback",
        Content = content,
        IsFallback = true,
    };
}
