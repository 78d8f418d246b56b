using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Interp.Core.Tokenization;

/// <summary>
/// A corpus file opened as text: UTF-8 (a byte-order mark for UTF-8, UTF-16 or UTF-32 is honoured and skipped), read in
/// pieces, with bytes that are not valid UTF-8 read as U+FFFD and counted; a gzip file is read through <see cref="GZipStream"/>.
/// </summary>
public sealed class CorpusTextFile : IDisposable
{
    private const int BufferBytes = 1 << 16;
    private readonly FileStream _file;
    private readonly CountingReplacementFallback _replaced = new();

    private CorpusTextFile(string path, bool gzip)
    {
        Path = path;
        Gzip = gzip;
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: gzip ? BufferBytes : 1, FileOptions.SequentialScan);
        var utf8 = (Encoding)new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: false).Clone();
        utf8.DecoderFallback = _replaced;
        Stream bytes = gzip ? new GZipStream(_file, CompressionMode.Decompress) : _file;
        Reader = new StreamReader(bytes, utf8, detectEncodingFromByteOrderMarks: true, BufferBytes);
    }

    /// <summary>Whether the file is read through gzip (then <see cref="Length"/> and <see cref="BytesRead"/> count compressed bytes).</summary>
    public bool Gzip { get; }

    /// <summary>The path as given.</summary>
    public string Path { get; }

    /// <summary>The text.</summary>
    public TextReader Reader { get; }

    /// <summary>Bytes of the file.</summary>
    public long Length => _file.Length;

    /// <summary>Bytes read so far.</summary>
    public long BytesRead => _file.Position;

    /// <summary>Bytes read so far that were not valid UTF-8 and became U+FFFD.</summary>
    public long ReplacedBytes => _replaced.Bytes;

    /// <summary>Opens <paramref name="path"/>, decompressing it when <paramref name="gzip"/>.</summary>
    /// <exception cref="InterpException">The file is missing or cannot be read.</exception>
    public static CorpusTextFile Open(string path, bool gzip = false)
    {
        if (!File.Exists(path)) throw new InterpException($"{path}: corpus file not found");
        try
        {
            return new CorpusTextFile(path, gzip);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InterpException($"{path}: cannot read the corpus file ({e.Message})", e);
        }
    }

    /// <summary>SHA-256 of the file's bytes (lower-case hex), read in pieces.</summary>
    public static string Sha256(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>
    /// One line saying how much of the file was not valid UTF-8, e.g. <c>warning: corpus.bin: not valid UTF-8: 1,234 of
    /// 5,678 bytes (21.7 %) replaced by U+FFFD</c>; null when every byte read was valid.
    /// </summary>
    public string? ReplacementWarning()
    {
        if (ReplacedBytes == 0) return null;
        if (Gzip) return $"warning: {Path}: not valid UTF-8: {ReplacedBytes:N0} bytes (decompressed) replaced by U+FFFD";
        var read = BytesRead;
        var of = read >= Length ? $"{Length:N0} bytes" : $"the first {read:N0} bytes read";
        return $"warning: {Path}: not valid UTF-8: {ReplacedBytes:N0} of {of} ({100.0 * ReplacedBytes / Math.Max(1, read):F1} %) replaced by U+FFFD";
    }

    public void Dispose() => Reader.Dispose();

    /// <summary>Reads each invalid byte sequence as one U+FFFD, as the default UTF-8 decoder does, and counts its bytes.</summary>
    private sealed class CountingReplacementFallback : DecoderFallback
    {
        public long Bytes { get; private set; }

        public override int MaxCharCount => 1;

        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer(this);

        private sealed class Buffer(CountingReplacementFallback owner) : DecoderFallbackBuffer
        {
            private int _left = -1;   // chars still to give (-1: none pending), as DecoderReplacementFallbackBuffer
            private int _at = -1;

            public override int Remaining => Math.Max(_left, 0);

            public override bool Fallback(byte[] bytesUnknown, int index)
            {
                owner.Bytes += bytesUnknown.Length;
                (_left, _at) = (1, -1);
                return true;
            }

            public override char GetNextChar()
            {
                _left--;
                _at++;
                return _left < 0 ? '\0' : '\uFFFD';
            }

            public override bool MovePrevious()
            {
                if (_left < -1 || _at < 0) return false;
                _left++;
                _at--;
                return true;
            }

            public override void Reset() => (_left, _at) = (-1, -1);
        }
    }
}
