namespace PromptFunctions.Core.Datasets.Upload;

/// <summary>
/// Reads several streams as one, in order, without copying them anywhere first; the blob client uploads it in
/// blocks as it reads. It does not dispose the streams it reads.
/// </summary>
internal sealed class ConcatenatedReadStream(IReadOnlyList<Stream> parts, long length) : Stream
{
    private int _part;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_part < parts.Count)
        {
            var read = parts[_part].Read(buffer);
            if (read > 0)
            {
                _position += read;
                return read;
            }
            _part++;
        }
        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_part < parts.Count)
        {
            var read = await parts[_part].ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                _position += read;
                return read;
            }
            _part++;
        }
        return 0;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
