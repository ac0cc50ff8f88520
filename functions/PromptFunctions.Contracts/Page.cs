namespace PromptFunctions.Contracts;

/// <summary>A page of a listing; pass <see cref="NextCursor"/> as <c>cursor</c> for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary><c>GET /api/health</c>.</summary>
public sealed record HealthResponse(string Status, string Storage);
