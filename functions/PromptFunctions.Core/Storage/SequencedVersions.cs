using System.Net;
using Azure.Data.Tables;

namespace PromptFunctions.Core.Storage;

/// <summary>The row that owns a versioned thing (a prompt, a dataset): it counts the sequence numbers handed out.</summary>
public interface ISequencedParent : ITableEntity
{
    long VersionCount { get; set; }
}

/// <summary>The rows one new version writes: the parent updated, the record, and the record under both of its keys.</summary>
public sealed record VersionRows<TParent, TRecord>(TParent Parent, TRecord Record, ITableEntity BySequence, ITableEntity ById);

/// <summary>What creating a sequenced version did.</summary>
public abstract record SequencedCreation<TParent, TRecord>
{
    /// <param name="Parent">The parent row as written.</param>
    public sealed record Created(TRecord Record, TParent Parent) : SequencedCreation<TParent, TRecord>;

    /// <summary>The id row already existed: identical content, stored before or concurrently.</summary>
    public sealed record AlreadyExists(TRecord Record) : SequencedCreation<TParent, TRecord>;

    /// <summary>The parent row kept changing until the attempts ran out.</summary>
    public sealed record Busy : SequencedCreation<TParent, TRecord>;
}

/// <summary>
/// Sequence allocation shared by prompts and datasets. A version is written in one entity-group transaction with
/// its parent row: the parent's counter moves from n to n + 1 under the ETag just read, and the version is added
/// under <c>v{n + 1}</c> and under its content id. A concurrent version makes the ETag stale and this one retries
/// with the next number, so numbers are gap-free; the same content racing in makes the id row's add fail, and the
/// winner is the answer.
/// </summary>
public static class SequencedVersions
{
    // The id row is the third action; its conflict means "same content", not "stale counter".
    private const int IdRowIndex = 2;

    /// <param name="build">Given the parent row as read (null when there is none) and the next sequence number, the rows to write.</param>
    /// <param name="findExisting">Reads the version by id, to report the winner of a same-content race.</param>
    public static Task<SequencedCreation<TParent, TRecord>> CreateAsync<TParent, TRecord>(
        TableClient table, string partition, string parentRow,
        Func<TParent?, long, VersionRows<TParent, TRecord>> build,
        Func<CancellationToken, Task<TRecord?>> findExisting,
        CancellationToken cancellationToken)
        where TParent : class, ISequencedParent
        where TRecord : class =>
        OptimisticConcurrency.RunAsync<SequencedCreation<TParent, TRecord>>(async _ =>
        {
            var parent = await table.GetOrNullAsync<TParent>(partition, parentRow, cancellationToken);
            var rows = build(parent, (parent?.VersionCount ?? 0) + 1);
            rows.Parent.VersionCount = (parent?.VersionCount ?? 0) + 1;
            List<TableTransactionAction> actions =
            [
                parent is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, rows.Parent)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, rows.Parent, parent.ETag),
                new(TableTransactionActionType.Add, rows.BySequence),
                new(TableTransactionActionType.Add, rows.ById),
            ];
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken);
                return OptimisticConcurrency.Finish<SequencedCreation<TParent, TRecord>>(new SequencedCreation<TParent, TRecord>.Created(rows.Record, rows.Parent));
            }
            catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex == IdRowIndex && e.Status == (int)HttpStatusCode.Conflict)
            {
                // The winner's rows are committed; if it has already been deleted again, go round once more.
                return await findExisting(cancellationToken) is { } winner
                    ? OptimisticConcurrency.Finish<SequencedCreation<TParent, TRecord>>(new SequencedCreation<TParent, TRecord>.AlreadyExists(winner))
                    : OptimisticConcurrency.Round<SequencedCreation<TParent, TRecord>>.Retry;
            }
        }, () => new SequencedCreation<TParent, TRecord>.Busy(), cancellationToken);

    /// <summary>
    /// A page of versions newest first (the sequence rows sort that way, <see cref="VersionKeys"/>); the cursor is the
    /// last sequence number of the page, and <paramref name="afterSequence"/> continues after one.
    /// </summary>
    /// <param name="keyPrefix">What precedes the version keys in the partition (a prompt's generation, <c>Prompts.GenerationKeys</c>).</param>
    public static async Task<ResultPage<TRecord>> ListAsync<TEntity, TRecord>(TableClient table, string partition, int limit, long? afterSequence,
        Func<TEntity, TRecord> toRecord, Func<TRecord, long> sequenceOf, CancellationToken cancellationToken, string keyPrefix = "")
        where TEntity : class, ITableEntity
    {
        var from = keyPrefix + (afterSequence is { } after ? VersionKeys.BySequence(after) : VersionKeys.BySequenceStart);
        var end = keyPrefix + VersionKeys.BySequenceEnd;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey lt {end}");
        var rows = await table.QueryAsync<TEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).TakeAsync(limit + 1, cancellationToken);
        var page = rows.Take(limit).Select(toRecord).ToList();
        return new ResultPage<TRecord>(page, rows.Count > limit ? sequenceOf(page[^1]).ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }
}
