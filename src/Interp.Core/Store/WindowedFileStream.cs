using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Interp.Core.Store;

/// <summary>
/// A read-only, seekable stream over a file that serves reads from a window of it loaded with one positional read.
/// Parquet.Net reads a row group as a seek and a few small reads per column chunk; through a plain FileStream that is
/// several system calls per column (and its buffer is refilled after every seek), which for hundreds of columns cost
/// more than the data. With the row group loaded first, those reads are memory copies. Reads outside the window go to
/// the file. Not thread-safe (one position), like any stream. Owns the handle.
/// </summary>
internal sealed class WindowedFileStream(SafeFileHandle handle) : Stream
{
    private readonly long _length = RandomAccess.GetLength(handle);
    private byte[] _window = [];   // pooled while loaded
    private long _start, _position;
    private int _count;

    public SafeFileHandle Handle => handle;

    /// <summary>Loads <c>[start, start + length)</c> (fewer bytes where the file ends first); see <see cref="ReleaseWindow"/>.</summary>
    public void LoadWindow(long start, int length)
    {
        ReleaseWindow();
        _window = ArrayPool<byte>.Shared.Rent(length);
        _count = RandomAccess.Read(handle, _window.AsSpan(0, length), start);
        _start = start;
    }

    /// <summary>The loaded bytes <c>[start, start + length)</c>, which must lie inside the window.</summary>
    public ReadOnlySpan<byte> Window(long start, int length) => _window.AsSpan(checked((int)(start - _start)), length);

    /// <summary>Whether the window holds all of <c>[start, start + length)</c>.</summary>
    public bool Holds(long start, long length) => start >= _start && start + length <= _start + _count;

    /// <summary>Gives the window's buffer back to the pool.</summary>
    public void ReleaseWindow()
    {
        if (_window.Length > 0) ArrayPool<byte>.Shared.Return(_window);
        (_window, _count) = ([], 0);
    }

    public override int Read(Span<byte> buffer)
    {
        int read;
        if (Holds(_position, buffer.Length))
        {
            Window(_position, buffer.Length).CopyTo(buffer);
            read = buffer.Length;
        }
        else read = RandomAccess.Read(handle, buffer, _position);
        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReleaseWindow();
            handle.Dispose();
        }
        base.Dispose(disposing);
    }
}
