using System.Globalization;
using Azure.Data.Tables;
using PromptFunctions.Tests.Infrastructure;

namespace PromptFunctions.Tests.Hardening;

/// <summary>
/// Reads a prompt's rows straight from the table and checks the invariants the writer promises, whatever ran before:
/// live tags point at versions of the live generation, no row of an ended generation is left, history belongs to
/// tags that exist, the two keys of each version agree, the latest pointer and the count are right, and the
/// listing row matches the prompt row.
/// </summary>
internal static class PromptStorage
{
    public static async Task<List<TableEntity>> RowsAsync(IApiDriver api, string prompt)
    {
        var table = new TableClient(api.Storage.ConnectionString, api.Storage.PromptsTable);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {prompt}"))) rows.Add(row);
        return rows;
    }

    /// <summary>The generation a row key belongs to (see PromptEntities.cs); null for the prompt row and tag rows.</summary>
    public static long? GenerationOf(string rowKey)
    {
        if (rowKey == "prompt" || rowKey.StartsWith("tag|", StringComparison.Ordinal)) return null;
        return rowKey.Length > 12 && rowKey[0] == 'g' && rowKey[11] == '|' ? long.Parse(rowKey.AsSpan(1, 10), CultureInfo.InvariantCulture) : 0;
    }

    private static string WithoutGeneration(string rowKey) => rowKey[0] == 'g' ? rowKey[12..] : rowKey;

    /// <summary>Asserts every invariant; returns whether the prompt is live.</summary>
    public static async Task<bool> AssertConsistentAsync(IApiDriver api, string prompt)
    {
        var rows = await RowsAsync(api, prompt);
        var promptRow = rows.SingleOrDefault(r => r.RowKey == "prompt");
        var index = await new TableClient(api.Storage.ConnectionString, api.Storage.PromptIndexTable).GetEntityIfExistsAsync<TableEntity>("p", prompt);
        if (promptRow is null)
        {
            Assert.Empty(rows);
            Assert.False(index.HasValue);
            return false;
        }
        var generation = promptRow.GetInt64("Generation") ?? 0;
        var live = promptRow.GetDateTimeOffset("DeletedAt") is null;
        var byKey = rows.ToDictionary(r => r.RowKey, StringComparer.Ordinal);

        var versionsById = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var versionsBySequence = new Dictionary<long, TableEntity>();
        foreach (var row in rows.Where(r => r.RowKey != "prompt"))
        {
            if (row.RowKey.StartsWith("tag|", StringComparison.Ordinal))
            {
                // Tags of an ended generation are deleted with it or purged after it.
                Assert.True((row.GetInt64("Generation") ?? 0) == generation, $"tag row {row.RowKey} of generation {row.GetInt64("Generation")} outlived it ({generation})");
                continue;
            }
            Assert.True(GenerationOf(row.RowKey) == generation, $"row {row.RowKey} of an ended generation is left (live generation {generation})");
            var key = WithoutGeneration(row.RowKey);
            if (key.StartsWith("id|", StringComparison.Ordinal)) versionsById[key[3..]] = row;
            else if (key.StartsWith("v|", StringComparison.Ordinal)) versionsBySequence[row.GetInt64("Sequence")!.Value] = row;
            else if (key.StartsWith("hist|", StringComparison.Ordinal))
            {
                var tag = row.GetString("Tag");
                Assert.True(byKey.TryGetValue("tag|" + tag, out var tagRow), $"history row {row.RowKey} belongs to no tag");
                Assert.True(row.GetInt64("Number") <= tagRow!.GetInt64("HistoryCount"), $"history row {row.RowKey} is beyond its tag's count");
            }
            else Assert.Fail($"unexpected row {row.RowKey}");
        }

        Assert.Equal(versionsById.Count, versionsBySequence.Count);
        foreach (var (sequence, bySequence) in versionsBySequence)
        {
            var id = bySequence.GetString("Id");
            Assert.True(versionsById.TryGetValue(id, out var byId), $"v{sequence} ({id}) has no id row");
            Assert.Equal(sequence, byId!.GetInt64("Sequence"));
            Assert.Equal(bySequence.GetDateTimeOffset("CreatedAt"), byId.GetDateTimeOffset("CreatedAt"));
        }

        var liveTags = rows.Where(r => r.RowKey.StartsWith("tag|", StringComparison.Ordinal) && r.GetString("VersionId") is not null).ToList();
        if (!live)
        {
            Assert.Empty(versionsById);
            Assert.Empty(liveTags);
            Assert.False(index.HasValue, "a deleted prompt is still listed");
            Assert.Equal(404, (await api.GetAsync($"/api/prompts/{prompt}")).Status);
            return false;
        }

        Assert.NotEmpty(versionsById);
        foreach (var tag in liveTags)
        {
            var target = tag.GetString("VersionId");
            Assert.True(versionsById.TryGetValue(target, out var version), $"{tag.RowKey} points at {target}, which is not a version");
            Assert.Equal(version!.GetInt64("Sequence"), tag.GetInt64("Sequence"));
        }
        var newest = versionsBySequence.MaxBy(v => v.Key).Value;
        Assert.Equal(newest.GetString("Id"), promptRow.GetString("LatestId"));
        Assert.Equal(newest.GetInt64("Sequence"), promptRow.GetInt64("LatestSequence"));
        Assert.Equal(versionsById.Count, promptRow.GetInt64("LiveVersionCount"));
        Assert.True(index.HasValue, "a live prompt is not listed");
        Assert.Equal(versionsById.Count, index.Value!.GetInt64("VersionCount"));
        Assert.Equal(newest.GetString("Id"), index.Value.GetString("LatestId"));

        var detail = await api.GetAsync($"/api/prompts/{prompt}");
        Assert.Equal(200, detail.Status);
        Assert.Equal(versionsById.Count, detail.Json["version_count"]!.GetValue<long>());
        return true;
    }
}
