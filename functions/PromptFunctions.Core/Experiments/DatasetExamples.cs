using PromptFunctions.Core.Datasets;

namespace PromptFunctions.Core.Experiments;

/// <summary>Experiment examples from stored dataset versions, read by index range so each batch reads only its rows.</summary>
public sealed class DatasetExamples(DatasetStore datasets) : IExperimentExamples
{
    public async Task<DatasetSelection?> ResolveAsync(string dataset, string? version, string? split, CancellationToken cancellationToken)
    {
        string? reference = version;
        if (reference is null)
        {
            reference = (await datasets.GetDatasetAsync(dataset, cancellationToken))?.Latest?.Id;
            if (reference is null) return null;
        }
        if (!DatasetStore.IsVersionReference(reference)) return null;
        var record = await datasets.GetVersionAsync(dataset, reference, cancellationToken);
        if (record is null) return null;
        if (split is null) return new DatasetSelection(dataset, record.Id, null, record.ExampleCount);
        return record.FindSplit(split) is { } group ? new DatasetSelection(dataset, record.Id, split, group.Count) : null;
    }

    public async Task<IReadOnlyList<ExperimentExample>> ReadAsync(DatasetSelection selection, long offset, int count, CancellationToken cancellationToken)
    {
        var version = await datasets.GetVersionAsync(selection.Name, selection.VersionId, cancellationToken)
            ?? throw new InvalidOperationException($"dataset version {selection.VersionId} of '{selection.Name}' does not exist");
        var examples = new List<ExperimentExample>(count);
        // Positions count within the selected split, which is how experiments number their rows.
        var index = offset;
        await foreach (var example in datasets.ReadExamplesAsync(version, selection.Split, offset, count, cancellationToken))
            examples.Add(new ExperimentExample(example.Id, index++, example.Input, example.Expected, example.Metadata));
        return examples;
    }
}
