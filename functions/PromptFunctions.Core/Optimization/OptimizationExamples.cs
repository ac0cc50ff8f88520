using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PromptFunctions.Core.Experiments;

namespace PromptFunctions.Core.Optimization;

/// <summary>A dataset version cut into training and validation examples; each keeps its position in the version as its index.</summary>
public sealed record OptimizationSplit(IReadOnlyList<ExperimentExample> Train, IReadOnlyList<ExperimentExample> Validation);

/// <summary>
/// The examples of a run, from the same source experiments read (<see cref="IExperimentExamples"/>). The split is a
/// pure function of the dataset version and the request, so every step of a run, in any process, sees the same one.
/// </summary>
public sealed class OptimizationExamples(IExperimentExamples examples)
{
    /// <summary>
    /// Validation is the named split, or the examples whose seeded hash falls under the fraction; training is every
    /// other example. Null when the version or split does not exist.
    /// </summary>
    public async Task<OptimizationSplit?> SplitAsync(string dataset, string versionId, string? validationSplit, double? fraction, int seed, CancellationToken cancellationToken)
    {
        var all = await examples.ResolveAsync(dataset, versionId, null, cancellationToken);
        if (all is null) return null;
        var rows = await examples.ReadAsync(all, 0, (int)all.Count, cancellationToken);
        HashSet<string> validationIds;
        if (validationSplit is not null)
        {
            var split = await examples.ResolveAsync(dataset, versionId, validationSplit, cancellationToken);
            if (split is null) return null;
            validationIds = (await examples.ReadAsync(split, 0, (int)split.Count, cancellationToken)).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        }
        else
        {
            validationIds = rows.Where(e => Unit(seed, e.Id) < fraction!.Value).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        }
        return new OptimizationSplit(rows.Where(e => !validationIds.Contains(e.Id)).ToList(), rows.Where(e => validationIds.Contains(e.Id)).ToList());
    }

    /// <summary>The guard set: a whole dataset version, or one split of it.</summary>
    public async Task<IReadOnlyList<ExperimentExample>?> GuardAsync(string dataset, string versionId, string? split, CancellationToken cancellationToken)
    {
        var selection = await examples.ResolveAsync(dataset, versionId, split, cancellationToken);
        return selection is null ? null : await examples.ReadAsync(selection, 0, (int)selection.Count, cancellationToken);
    }

    /// <summary>
    /// A number in [0, 1) from the seed and an example id (the first 8 bytes of SHA-256). An example's side of the
    /// split depends only on its own id, so adding examples to a dataset never moves existing ones.
    /// </summary>
    public static double Unit(int seed, string id) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}:{id}"))) / 18446744073709551616.0;

    /// <summary>Examples in a seeded order that differs per round, so each round shows the optimizer a different sample.</summary>
    public static IEnumerable<T> SeededOrder<T>(IEnumerable<T> items, Func<T, string> id, int seed, int round) =>
        items.OrderBy(i => Unit(seed, $"{round}:{id(i)}")).ThenBy(id, StringComparer.Ordinal);
}
