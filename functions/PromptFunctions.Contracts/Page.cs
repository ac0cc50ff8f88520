namespace PromptFunctions.Contracts;

/// <summary>A page of a listing; pass <see cref="NextCursor"/> as <c>cursor</c> for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary><c>GET /api/health</c>.</summary>
public sealed record HealthResponse(string Status, string Storage);

/// <summary><c>GET /api/me</c>: the calling key, its roles, what they allow after the role rules, and the protected tags.</summary>
public sealed record CallerInfo(string Name, IReadOnlyList<string> Roles, CallerPermissions Permissions, IReadOnlyList<string> ProtectedTags);

/// <summary>Effective permissions: admin holds every role, write includes read.</summary>
public sealed record CallerPermissions(bool Read, bool Write, bool Promote, bool Admin);
