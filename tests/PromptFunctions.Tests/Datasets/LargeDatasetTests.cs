using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using PromptFunctions.Core.Datasets;
using PromptFunctions.Core.Http;
using PromptFunctions.Tests.Infrastructure;
using Xunit.Abstractions;
using PromptFunctions.Core.Prompts;

namespace PromptFunctions.Tests.Datasets;

/// <summary>
/// 100,000 rows in and out. The upload is generated while it is sent (nothing builds it whole). At row 90,000 the
/// generator stops and waits until the server has staged over a megabyte on disk: a server that streams gets there
/// from what it has already received, while one that buffered the body before parsing it would wait for the rest
/// forever. So the property holds by construction rather than by timing: however the scheduler runs the two sides,
/// the rest of the body is only sent once the server has shown it parses and stages as the bytes arrive. The read
/// goes page by page, and the bytes read from blob storage must equal the content's size: no page reads more than
/// its rows. Nothing here depends on how fast the machine is.
/// </summary>
public sealed class LargeDatasetTests(ITestOutputHelper output)
{
    private const int Rows = 100_000;

    [Theory, MemberData(nameof(Drivers.All), MemberType = typeof(Drivers))]
    public async Task A_hundred_thousand_rows_stream_in_and_read_back_page_by_page(string kind)
    {
        // On the shared Functions host, a quiet section keeps other classes' uploads out of the staging folder.
        await using var api = kind == Drivers.FunctionsHost ? await FunctionsHostDriver.SharedAsync() : await Drivers.StartAsync(kind);
        await using var quiet = await api.QuietAsync();
        var dataset = Drivers.PromptName("big");
        var clock = Stopwatch.StartNew();
        var body = new GeneratedCsv(Rows, api.Storage.DatasetStagingDirectory);

        var upload = await api.SendStreamAsync(HttpMethod.Post, $"/api/datasets/{dataset}/versions?expected_column=answer", body, "text/csv");

        Assert.True(upload.Status == 201, upload.ToString());
        var version = upload.Json;
        Assert.Equal(Rows, version["example_count"]!.GetValue<int>());
        Assert.Equal("""[{"name":"test","count":10000},{"name":"train","count":90000}]""", version["splits"]!.ToJsonString());
        // By the time row 90,000 was generated, well over a megabyte had been parsed and staged on disk. Not under the
        // Functions host: it holds the request body before its worker sees any of it (with 2.9 MB sent and the
        // sender paused for 6 s, nothing was staged), so there the host's buffering bounds an upload, not ours.
        if (kind != Drivers.FunctionsHost)
            Assert.True(body.StagedBeforeTheRest, $"the server staged only {body.StagedBytesAtRow90000} bytes of the first 90,000 rows; it did not stream");
        Assert.Empty(Directory.Exists(api.Storage.DatasetStagingDirectory) ? Directory.GetFiles(api.Storage.DatasetStagingDirectory) : []);
        var uploadTime = clock.Elapsed;

        // The store reports the bytes it reads on a meter inside the host's process: the Functions host's worker is
        // another process, so there only the rows are checked, not how much was read for them.
        using var bytesRead = kind == Drivers.FunctionsHost ? null : new ContentBytesCounter(dataset);
        var examples = await api.ReadAllAsync(dataset, version["id"].Str()!, limit: 1000);
        Assert.Equal(Rows, examples.Count);
        var expectedIds = Enumerable.Range(0, Rows).Where(i => i % 10 == 0).Concat(Enumerable.Range(0, Rows).Where(i => i % 10 != 0)).Select(i => $"r{i}");
        Assert.Equal(expectedIds, examples.Select(e => e["id"].Str()));
        Assert.Equal("answer 12345", examples.Single(e => e["id"].Str() == "r12345")["expected"].Str());
        if (bytesRead is not null) Assert.Equal(version["content_bytes"]!.GetValue<long>(), bytesRead.Total);

        // A batch at an arbitrary offset reads from the checkpoint before it up to its last row, no more.
        bytesRead?.Reset();
        var cursor = Cursors.Encode("45678");
        var page = await api.GetAsync($"/api/datasets/{dataset}/versions/v1/examples?split=train&limit=300&cursor={cursor}");
        Assert.Equal(300, page.Json["data"]!.AsArray().Count);
        Assert.Equal(10_000 + 45_678, page.Json["data"]![0]!["index"]!.GetValue<long>());
        var averageLine = version["content_bytes"]!.GetValue<double>() / Rows;
        if (bytesRead is not null) Assert.True(bytesRead.Total < (300 + 100) * averageLine * 1.1, $"read {bytesRead.Total} bytes for 300 rows of about {averageLine:0} bytes");

        // Durations are reported, never asserted: the benchmarks hold the performance figures (docs/benchmarks.md).
        output.WriteLine($"{kind}: {body.StagedBytesAtRow90000:N0} bytes staged before row 90,000 was made; upload {uploadTime.TotalSeconds:0.0} s, upload and reads {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Sums the content bytes the store reports reading for one dataset.</summary>
    internal sealed class ContentBytesCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public ContentBytesCounter(string dataset)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == DatasetStore.MeterName && instrument.Name == DatasetStore.ContentBytesReadInstrument)
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "dataset" && (string?)tag.Value == dataset) Interlocked.Add(ref _total, value);
                }
            });
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Reset() => Interlocked.Exchange(ref _total, 0);

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>
    /// A CSV body produced row by row as it is read. Before row 90,000 it waits until the server has staged over a
    /// megabyte; the wait ends at once for a streaming server and never for a buffering one, so the ceiling only
    /// turns a server that does not stream into a failure instead of a hang.
    /// </summary>
    private sealed class GeneratedCsv(int rows, string stagingDirectory) : Stream
    {
        private const int WaitRow = 90_000;
        private const long StagedEnough = 1_000_000;
        private static readonly TimeSpan Ceiling = TimeSpan.FromMinutes(2);

        private readonly byte[] _header = "id,question,context,answer,split\n"u8.ToArray();
        private byte[] _pending = [];
        private int _pendingAt;
        private int _next = -1;

        public long StagedBytesAtRow90000 { get; private set; } = -1;

        public bool StagedBeforeTheRest => StagedBytesAtRow90000 > StagedEnough;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_next == WaitRow && StagedBytesAtRow90000 < 0) WaitForStagingAsync().GetAwaiter().GetResult();
            return Copy(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_next == WaitRow && StagedBytesAtRow90000 < 0) await WaitForStagingAsync(cancellationToken);
            return Copy(buffer.Span);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Copy(Span<byte> buffer)
        {
            if (_pendingAt == _pending.Length && !Refill()) return 0;
            var n = Math.Min(buffer.Length, _pending.Length - _pendingAt);
            _pending.AsSpan(_pendingAt, n).CopyTo(buffer);
            _pendingAt += n;
            return n;
        }

        /// <summary>Called once every row before 90,000 has been handed out, and before any row after it is made.</summary>
        private async Task WaitForStagingAsync(CancellationToken cancellationToken = default)
        {
            if (_pendingAt < _pending.Length) return;
            var waited = Stopwatch.StartNew();
            long staged;
            while ((staged = Staged()) <= StagedEnough && waited.Elapsed < Ceiling) await Task.Delay(20, cancellationToken);
            StagedBytesAtRow90000 = staged;
        }

        private long Staged() => Directory.Exists(stagingDirectory) ? Directory.GetFiles(stagingDirectory).Sum(f => new FileInfo(f).Length) : 0;

        private bool Refill()
        {
            if (_next == -1)
            {
                _next = 0;
                _pending = _header;
                _pendingAt = 0;
                return true;
            }
            if (_next >= rows) return false;
            var text = new StringBuilder();
            // Chunks of 100 rows end exactly before row 90,000, so the wait falls between two chunks.
            for (var end = Math.Min(rows, _next + 100); _next < end; _next++)
            {
                var i = _next;
                text.Append('r').Append(i).Append(",\"What is item ").Append(i).Append(", in short?\",\"Item ").Append(i)
                    .Append(" is one of many.\",answer ").Append(i).Append(',').Append(i % 10 == 0 ? "test" : "train").Append('\n');
            }
            _pending = Encoding.UTF8.GetBytes(text.ToString());
            _pendingAt = 0;
            return true;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
