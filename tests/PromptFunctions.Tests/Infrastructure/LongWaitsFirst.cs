using PromptFunctions.Tests.Api;
using PromptFunctions.Tests.Experiments;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("PromptFunctions.Tests.Infrastructure.LongWaitsFirst", "PromptFunctions.Tests")]

namespace PromptFunctions.Tests.Infrastructure;

/// <summary>
/// Starts the test classes that mostly wait (for a Functions host to start, Durable timeouts to lapse, storage
/// retries to give up) before the rest, so their waiting overlaps the busy tests instead of ending the run alone:
/// xunit runs as many classes at once as there are cores, and a class that waits still holds its place.
/// </summary>
public sealed class LongWaitsFirst : ITestCollectionOrderer
{
    private static readonly string[] First = [nameof(CrashResumeTests), nameof(StorageOutageTests)];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    private static int Rank(ITestCollection collection)
    {
        var at = Array.FindIndex(First, name => collection.DisplayName.EndsWith("." + name, StringComparison.Ordinal));
        return at < 0 ? First.Length : at;
    }
}
