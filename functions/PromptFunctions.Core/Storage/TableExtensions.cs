using Azure;
using Azure.Data.Tables;

namespace PromptFunctions.Core.Storage;

/// <summary>Table reads every store needs, written once.</summary>
public static class TableExtensions
{
    /// <summary>The entity, or null when it does not exist (a 404 is an answer, not an error).</summary>
    public static async Task<T?> GetOrNullAsync<T>(this TableClient table, string partition, string row, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        var response = await table.GetEntityIfExistsAsync<T>(partition, row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>The first <paramref name="count"/> results, fetching no further pages than needed.</summary>
    public static async Task<List<T>> TakeAsync<T>(this AsyncPageable<T> source, int count, CancellationToken cancellationToken) where T : notnull
    {
        var list = new List<T>(Math.Min(count, 1000));
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            list.Add(item);
            if (list.Count >= count) break;
        }
        return list;
    }
}
