namespace PromptFunctions.Core.Storage;

/// <summary>A page of results and the opaque cursor of the next page (null on the last page).</summary>
public sealed record ResultPage<T>(IReadOnlyList<T> Items, string? NextCursor);
