using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PromptFunctions.DatasetBench;

/// <summary>
/// Memory of dataset uploads and reads at growing sizes, in one process that hosts the local API and is its own
/// client. Each size is uploaded as a CSV generated while it is sent and then read back page by page; after each,
/// the process's peak working set is printed. Flat memory means the peak stops growing once the process is warm,
/// however many rows follow. Storage comes from PF_BENCH_STORAGE (bench/datasets.sh starts an in-memory Azurite).
/// </summary>
public static class Program
{
    private const string Key = "bench-admin-key-0123456789";

    public static async Task<int> Main(string[] args)
    {
        var storage = Environment.GetEnvironmentVariable("PF_BENCH_STORAGE") ?? throw new InvalidOperationException("Set PF_BENCH_STORAGE (bench/datasets.sh does).");
        var sizes = (args.Length > 0 ? args[0] : "10000,100000,1000000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var pageSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;

        var app = LocalHost.Program.CreateApp(["--environment", "Production"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Storage"] = storage,
                ["Auth:Keys:0:Name"] = "bench",
                ["Auth:Keys:0:Secret"] = Key,
                ["Auth:Keys:0:Roles:0"] = "admin",
                ["Datasets:MaxUploadBytes"] = (2L * 1024 * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
                ["Datasets:MaxExamples"] = "10000000",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);

        Console.WriteLine($"{"rows",10} {"csv MB",8} {"content MB",10} {"upload s",9} {"read s",7} {"peak WS MB",11} {"WS MB",7} {"GC heap MB",11}");
        foreach (var rows in sizes)
        {
            var name = $"bench-{rows}";
            var csv = new GeneratedCsv(rows);
            var clock = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{name}/versions?expected_column=answer") { Content = new StreamContent(csv) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            using var response = await http.SendAsync(request);
            var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload of {rows} rows: {(int)response.StatusCode} {created}");
            var uploadTime = clock.Elapsed;

            clock.Restart();
            var read = 0L;
            string? cursor = null;
            do
            {
                var url = $"/api/datasets/{name}/versions/v1/examples?limit={pageSize}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
                using var page = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
                page.EnsureSuccessStatusCode();
                await using var body = await page.Content.ReadAsStreamAsync();
                using var document = await JsonDocument.ParseAsync(body);
                read += document.RootElement.GetProperty("data").GetArrayLength();
                cursor = document.RootElement.GetProperty("next_cursor").GetString();
            }
            while (cursor is not null);
            if (read != rows) throw new InvalidOperationException($"read {read} of {rows} rows");
            var readTime = clock.Elapsed;

            using var process = Process.GetCurrentProcess();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{rows,10} {csv.BytesProduced / 1048576.0,8:0.0} {created.GetProperty("content_bytes").GetInt64() / 1048576.0,10:0.0} {uploadTime.TotalSeconds,9:0.0} {readTime.TotalSeconds,7:0.0} {process.PeakWorkingSet64 / 1048576.0,11:0} {process.WorkingSet64 / 1048576.0,7:0} {GC.GetTotalMemory(false) / 1048576.0,11:0}"));
        }
        await app.StopAsync();
        return 0;
    }

    /// <summary>CSV rows made as they are read: the client never holds the upload either.</summary>
    private sealed class GeneratedCsv(int rows) : Stream
    {
        private byte[] _pending = "id,question,context,answer,split\n"u8.ToArray();
        private int _pendingAt;
        private int _next;

        public long BytesProduced { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_pendingAt == _pending.Length && !Refill()) return 0;
            var n = Math.Min(buffer.Length, _pending.Length - _pendingAt);
            _pending.AsSpan(_pendingAt, n).CopyTo(buffer);
            _pendingAt += n;
            BytesProduced += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        private bool Refill()
        {
            if (_next >= rows) return false;
            var text = new StringBuilder();
            for (var end = Math.Min(rows, _next + 500); _next < end; _next++)
            {
                var i = _next;
                text.Append('r').Append(i).Append(",\"What is item ").Append(i).Append(", in short?\",\"Item ").Append(i)
                    .Append(" is one of many; it has a context of a sentence or two, like a real row.\",answer ").Append(i)
                    .Append(',').Append(i % 10 == 0 ? "test" : "train").Append('\n');
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
