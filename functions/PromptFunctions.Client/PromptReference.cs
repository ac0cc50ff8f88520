using PromptFunctions.Contracts.Routes;
using PromptFunctions.Prompts;

namespace PromptFunctions.Client;

/// <summary>What a reference points at, and so how long a fetched answer may be cached.</summary>
public enum PromptReferenceKind
{
    /// <summary>A movable tag such as <c>production</c>; cached for <see cref="PromptFunctionsClientOptions.CacheTtl"/>.</summary>
    Tag = 1,

    /// <summary>The newest version; cached for <see cref="PromptFunctionsClientOptions.CacheTtl"/>.</summary>
    Latest = 2,

    /// <summary>A content id (64 lowercase hex characters); immutable, so cached until evicted.</summary>
    VersionId = 3,

    /// <summary>A sequence number <c>v{n}</c>; cached for the TTL, since it is resolved on the server.</summary>
    Sequence = 4,
}

/// <summary>
/// Which version of a prompt to fetch: <see cref="Tag"/>, <see cref="Version(string)"/> or <see cref="Latest"/>.
/// Creating one is cheap and never validates against a regular expression; the value is checked before the
/// first request for it, so a cached fetch costs only a dictionary lookup.
/// </summary>
public readonly struct PromptReference : IEquatable<PromptReference>
{
    private PromptReference(PromptReferenceKind kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    /// <summary>The kind of reference; <c>0</c> for <c>default(PromptReference)</c>, which is not a valid reference.</summary>
    public PromptReferenceKind Kind { get; }

    /// <summary>The tag name, content id or <c>v{n}</c>; <c>latest</c> for <see cref="Latest"/>.</summary>
    public string Value { get; }

    /// <summary>True when the reference names one immutable version, whose answer can be cached forever.</summary>
    public bool IsImmutable => Kind == PromptReferenceKind.VersionId;

    /// <summary>The newest version of the prompt.</summary>
    public static PromptReference Latest { get; } = new(PromptReferenceKind.Latest, "latest");

    /// <summary>The <c>production</c> tag, the usual reference of an application.</summary>
    public static PromptReference Production { get; } = new(PromptReferenceKind.Tag, "production");

    /// <summary>The version a tag points at, e.g. <c>PromptReference.Tag("staging")</c>.</summary>
    public static PromptReference Tag(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        return new PromptReference(PromptReferenceKind.Tag, tag);
    }

    /// <summary>A version by content id (64 lowercase hex characters) or by sequence number (<c>v3</c>).</summary>
    public static PromptReference Version(string idOrSequence)
    {
        ArgumentException.ThrowIfNullOrEmpty(idOrSequence);
        return new PromptReference(idOrSequence.Length == 64 ? PromptReferenceKind.VersionId : PromptReferenceKind.Sequence, idOrSequence);
    }

    /// <summary>A version by sequence number: <c>Version(3)</c> is <c>v3</c>.</summary>
    public static PromptReference Version(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        return new PromptReference(PromptReferenceKind.Sequence, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"v{sequence}"));
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the reference is one the API accepts.</summary>
    internal void Validate(string parameterName)
    {
        var valid = Kind switch
        {
            PromptReferenceKind.Tag => Identifiers.IsTagName(Value),
            PromptReferenceKind.Latest => true,
            PromptReferenceKind.VersionId => Identifiers.IsVersionId(Value),
            PromptReferenceKind.Sequence => IsSequence(Value),
            _ => false,
        };
        if (valid) return;
        throw new ArgumentException(Kind switch
        {
            PromptReferenceKind.Tag => $"'{Value}' is not a valid tag: {Identifiers.TagNameRule}.",
            PromptReferenceKind.VersionId or PromptReferenceKind.Sequence => $"'{Value}' is not a version id (64 lowercase hex characters) or v{{sequence}}.",
            _ => "The reference is empty; use PromptReference.Tag, PromptReference.Version or PromptReference.Latest.",
        }, parameterName);
    }

    private static bool IsSequence(string value) =>
        value.Length is > 1 and <= 11 && value[0] == 'v' && value[1] != '0' && value.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    /// <summary>The path (from the service root) of the fetch route for this reference to prompt <paramref name="name"/>.</summary>
    internal string PathOf(string name) => Kind switch
    {
        PromptReferenceKind.Tag => ApiRoutes.Expand(TagRoutes.Tag, name, Value),
        PromptReferenceKind.Latest => ApiRoutes.Expand(PromptRoutes.Latest, name),
        _ => ApiRoutes.Expand(PromptRoutes.Version, name, Value),
    };

    /// <inheritdoc />
    public bool Equals(PromptReference other) => Kind == other.Kind && string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PromptReference other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Value);

    /// <summary>Compares kind and value.</summary>
    public static bool operator ==(PromptReference left, PromptReference right) => left.Equals(right);

    /// <summary>Compares kind and value.</summary>
    public static bool operator !=(PromptReference left, PromptReference right) => !left.Equals(right);

    /// <summary><c>tag:production</c>, <c>latest</c>, <c>v3</c> or the content id.</summary>
    public override string ToString() => Kind switch
    {
        PromptReferenceKind.Tag => "tag:" + Value,
        0 => "(none)",
        _ => Value,
    };
}
