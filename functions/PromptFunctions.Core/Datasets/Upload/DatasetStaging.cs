using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using PromptFunctions.Prompts.Json;

namespace PromptFunctions.Core.Datasets.Upload;

/// <summary>
/// Receives the examples of one upload as they are parsed and writes each as a line of canonical JSON to a
/// temporary file per split, so memory stays flat whatever the upload's size, except for a digest of each
/// example id (about 32-40 bytes per example), kept to find duplicates. <see cref="SealAsync"/> then orders the splits, hashes the content and
/// computes the page index. Disposing deletes every temporary file.
/// </summary>
internal sealed class DatasetStaging : IAsyncDisposable
{
    /// <summary>The page index records the byte offset of every 100th example of each group.</summary>
    public const int IndexStride = 100;

    private const int FileBufferBytes = 64 * 1024;

    private readonly DatasetOptions _options;
    private readonly UploadFaults _faults;
    private readonly string _directory;
    private readonly string _prefix = Guid.NewGuid().ToString("N");
    private readonly Dictionary<string, GroupFile> _groups = new(StringComparer.Ordinal);
    // First location of each id, keyed by a digest of the id so memory per example is small and fixed. This is
    // the one structure that grows with the upload (about 32 bytes per example); it is sharded so that growing it
    // never copies one large array, which would double its footprint for a moment and land on the large object heap.
    private readonly IdSet _ids = new();

    public DatasetStaging(DatasetOptions options, UploadFaults faults)
    {
        _options = options;
        _faults = faults;
        _directory = options.ResolvedStagingDirectory;
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Rows seen, valid or not.</summary>
    public long RowCount { get; private set; }

    /// <summary>
    /// Adds one row; <paramref name="example"/> is null when the row was invalid (its faults are already recorded).
    /// Returns false once the upload holds more examples than allowed, after which the caller stops reading.
    /// </summary>
    public async ValueTask<bool> AddAsync(StagedExample? example, RowLocation at, CancellationToken cancellationToken)
    {
        RowCount++;
        if (RowCount > _options.MaxExamples)
        {
            at.Fault(_faults, "", $"the upload has more than {_options.MaxExamples.ToString(CultureInfo.InvariantCulture)} examples, the limit (Datasets:MaxExamples)");
            return false;
        }
        if (example is null) return true;

        var line = new JsonObject { ["input"] = example.Input };
        if (example.Expected is not null) line["expected"] = example.Expected;
        if (example.Metadata is not null) line["metadata"] = example.Metadata;
        if (example.Split is not null) line["split"] = example.Split;

        string id;
        if (example.GivenId is { } given)
        {
            if (_ids.TryGetFirst(Digest(given), out var first))
            {
                at.Fault(_faults, ".id", $"id '{ApiCall(given)}' is already used by {at.Describe(first)}");
                return true;
            }
            id = given;
        }
        else
        {
            id = DerivedId(line);
        }
        _ids.Add(Digest(id), at.Line);
        line["id"] = id;

        var bytes = CanonicalJson.Serialize(line);
        if (bytes.Length > _options.MaxExampleBytes)
        {
            at.Fault(_faults, "", $"the example is {bytes.Length.ToString(CultureInfo.InvariantCulture)} bytes as canonical JSON, over the limit of {_options.MaxExampleBytes.ToString(CultureInfo.InvariantCulture)} (Datasets:MaxExampleBytes)");
            return true;
        }

        var groupKey = example.Split ?? "";
        if (!_groups.TryGetValue(groupKey, out var group))
        {
            if (example.Split is not null && _groups.Keys.Count(k => k.Length > 0) >= _options.MaxSplits)
            {
                at.Fault(_faults, ".split", $"split '{example.Split}' would be split number {_options.MaxSplits + 1}; the limit is {_options.MaxSplits} (Datasets:MaxSplits)");
                return true;
            }
            group = new GroupFile(example.Split, OpenTemporaryFile(_groups.Count));
            _groups[groupKey] = group;
        }
        // Once the upload is known to be rejected, nothing more needs writing; parsing goes on to find every fault.
        if (!_faults.Any) await group.WriteAsync(bytes, cancellationToken);
        else group.Count++;
        return true;
    }

    /// <summary>
    /// The upload's identity and layout. Groups are ordered as the version stores them: examples without a split
    /// first, then splits by ordinal name; the id is the SHA-256 of exactly those bytes.
    /// </summary>
    public async Task<StagedContent> SealAsync(CancellationToken cancellationToken)
    {
        var ordered = _groups.Values.OrderBy(g => g.Split is not null).ThenBy(g => g.Split, StringComparer.Ordinal).ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(FileBufferBytes);
        var groups = new List<DatasetGroup>(ordered.Count);
        var checkpoints = new List<long>();
        long start = 0, offset = 0;
        try
        {
            foreach (var group in ordered)
            {
                await group.File.FlushAsync(cancellationToken);
                group.File.Position = 0;
                int read;
                while ((read = await group.File.ReadAsync(buffer.AsMemory(0, FileBufferBytes), cancellationToken)) > 0) hash.AppendData(buffer, 0, read);
                groups.Add(new DatasetGroup(group.Split, group.Count, start, offset, group.Bytes, checkpoints.Count));
                checkpoints.AddRange(group.Checkpoints.Select(local => offset + local));
                start += group.Count;
                offset += group.Bytes;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new StagedContent(Convert.ToHexStringLower(hash.GetHashAndReset()), start, offset, IndexStride, groups, checkpoints.ToArray(),
            ordered.Select(g => g.File).ToList());
    }

    private FileStream OpenTemporaryFile(int number) => new(
        Path.Combine(_directory, $"{_prefix}.{number.ToString(CultureInfo.InvariantCulture)}.jsonl"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileBufferBytes,
        FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    /// <summary>
    /// The first 32 hex digits of the SHA-256 of the example's canonical JSON without its id; a repeat of the
    /// same content in the same split gets <c>-2</c>, <c>-3</c>, ... (the first suffix no earlier example uses).
    /// </summary>
    private string DerivedId(JsonObject withoutId)
    {
        var stem = Convert.ToHexStringLower(SHA256.HashData(CanonicalJson.Serialize(withoutId)).AsSpan(0, 16));
        if (!_ids.Contains(Digest(stem))) return stem;
        for (var n = 2; ; n++)
        {
            var candidate = $"{stem}-{n.ToString(CultureInfo.InvariantCulture)}";
            if (!_ids.Contains(Digest(candidate))) return candidate;
        }
    }

    private static UInt128 Digest(string id)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(ExampleRows.MaxIdLength + 16)];
        var length = Encoding.UTF8.GetBytes(id, utf8);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(utf8[..length], hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    private static string ApiCall(string text) => Http.ApiCall.Printable(text);

    public async ValueTask DisposeAsync()
    {
        foreach (var group in _groups.Values) await group.File.DisposeAsync();
        _groups.Clear();
    }

    private sealed class IdSet
    {
        private const int Shards = 1024;
        private readonly Dictionary<UInt128, long>?[] _shards = new Dictionary<UInt128, long>?[Shards];

        private Dictionary<UInt128, long> Shard(UInt128 digest) => _shards[(int)(ulong)(digest % Shards)] ??= [];

        public bool Contains(UInt128 digest) => Shard(digest).ContainsKey(digest);

        public bool TryGetFirst(UInt128 digest, out long line) => Shard(digest).TryGetValue(digest, out line);

        public void Add(UInt128 digest, long line) => Shard(digest)[digest] = line;
    }

    private sealed class GroupFile(string? split, FileStream file)
    {
        private static readonly byte[] NewLine = "\n"u8.ToArray();

        public string? Split { get; } = split;
        public FileStream File { get; } = file;
        public long Count { get; set; }
        public long Bytes { get; private set; }
        public List<long> Checkpoints { get; } = [];

        public async ValueTask WriteAsync(byte[] line, CancellationToken cancellationToken)
        {
            if (Count % IndexStride == 0) Checkpoints.Add(Bytes);
            await File.WriteAsync(line, cancellationToken);
            await File.WriteAsync(NewLine, cancellationToken);
            Bytes += line.Length + 1;
            Count++;
        }
    }
}

/// <summary>A sealed upload: its id, layout and page index, and its content, readable once.</summary>
internal sealed class StagedContent(string id, long exampleCount, long contentBytes, int indexStride, IReadOnlyList<DatasetGroup> groups, long[] checkpoints, IReadOnlyList<FileStream> files)
{
    public string Id { get; } = id;
    public long ExampleCount { get; } = exampleCount;
    public long ContentBytes { get; } = contentBytes;
    public int IndexStride { get; } = indexStride;
    public IReadOnlyList<DatasetGroup> Groups { get; } = groups;

    /// <summary>Absolute byte offsets, group after group, as <see cref="DatasetGroup.FirstCheckpoint"/> counts them.</summary>
    public long[] Checkpoints { get; } = checkpoints;

    /// <summary>The content blob's bytes: the groups' files one after another. The files stay owned by the staging.</summary>
    public Stream OpenContent()
    {
        foreach (var file in files) file.Position = 0;
        return new ConcatenatedReadStream(files, ContentBytes);
    }
}
