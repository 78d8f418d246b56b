using System.Buffers.Binary;

namespace Interp.Web.Runs;

/// <summary>
/// A cheap look at a SQLite file's 100-byte header, without opening it: is it a database at all, and is the file as
/// long as the header says (a copy or download cut short is not)? Damage inside the pages is found only when read.
/// </summary>
public static class SqliteFileCheck
{
    private const int HeaderLength = 100;
    private static readonly byte[] Magic = "SQLite format 3\0"u8.ToArray();

    /// <summary>Null when <paramref name="path"/> looks whole; else one line naming the file and what is wrong.</summary>
    public static string? Problem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var header = new byte[HeaderLength];
        long length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            length = stream.Length;
            if (length == 0) return $"{path}: file is empty";
            stream.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: cannot be read ({e.Message})";
        }
        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return $"{path}: not a database (no SQLite header)";
        if (length < HeaderLength) return $"{path}: file is truncated ({length} bytes)";
        int pageSize = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(16));
        if (pageSize == 1) pageSize = 65536;
        var changeCounter = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(24));
        var pages = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28));
        var validFor = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(92));
        // The page count in the header is only kept up to date when its "valid for" counter matches the change counter.
        if (pages == 0 || validFor != changeCounter) return null;
        var expected = (long)pages * pageSize;
        return length < expected ? $"{path}: file is truncated ({length:N0} of {expected:N0} bytes)" : null;
    }
}
