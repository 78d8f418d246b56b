using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using Interp.Core;
using Interp.Core.Records;

namespace Interp.Records;

/// <summary>
/// The binary form of one <see cref="UnitRecord"/> in a records store (<c>unit_records.data</c>, see FORMAT.md): a
/// little-endian header (statistics, histograms, logit effects as token ids, neighbours, and each window as context,
/// start and length), then every window's activations as float32 with their bytes split into four planes (exponents
/// together, which compresses well), all Brotli-compressed behind the uncompressed length. Token ids and token strings
/// are not in the blob: windows point into the store's <c>contexts</c> table, token strings come from its <c>vocab</c>.
/// </summary>
public static class UnitRecordCodec
{
    /// <summary>The blob layout version this code writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>The blob of <paramref name="record"/>.</summary>
    public static byte[] Encode(UnitRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            var values = new List<float>();
            w.Write(Version);
            w.Write(record.TokensSeen);
            w.Write(record.ActiveTokens);
            w.Write(record.MaxActivation);
            w.Write(record.MeanActivation);
            WriteHistogram(w, record.ActivationHistogram);
            WriteHistogram(w, record.LogitHistogram);
            WriteEffects(w, record.LogitPositive);
            WriteEffects(w, record.LogitNegative);
            w.Write(record.Nearest.Count);
            foreach (var n in record.Nearest)
            {
                w.Write(n.Index);
                w.Write(n.Similarity);
            }
            WriteWindows(w, record.Top, values);
            WriteWindows(w, record.Random, values);
            WriteWindows(w, record.RandomActivating, values);
            WriteWindows(w, record.NonActivating, values);
            w.Write(record.Bands.Count);
            foreach (var band in record.Bands)
            {
                w.Write(band.LowQuantile);
                w.Write(band.HighQuantile);
                w.Write(band.LowActivation);
                w.Write(band.HighActivation);
                WriteWindows(w, band.Records, values);
            }
            w.Write(values.Count);
            w.Write(Shuffle(CollectionsMarshal.AsSpan(values)));
        }
        var raw = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var packed = new byte[4 + BrotliEncoder.GetMaxCompressedLength(raw.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(packed, raw.Length);
        if (!BrotliEncoder.TryCompress(raw, packed.AsSpan(4), out var written, quality: 5, window: 22))
            throw new InvalidOperationException("Brotli compression failed");
        return packed[..(4 + written)];
    }

    /// <summary>
    /// The record in <paramref name="blob"/>, with each window's token ids from <paramref name="contextTokens"/> and
    /// token strings from <paramref name="tokenString"/>.
    /// </summary>
    /// <exception cref="InterpException">The blob is damaged or of another version (the message names <paramref name="where"/>).</exception>
    public static UnitRecord Decode(byte[] blob, UnitId id, Func<long, int[]> contextTokens, Func<int, string> tokenString, string where)
    {
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(blob);
            var raw = new byte[length];
            if (!BrotliDecoder.TryDecompress(blob.AsSpan(4), raw, out var written) || written != length)
                throw new InterpException($"{where}: unit {id}: damaged record (decompression failed)");
            using var r = new BinaryReader(new MemoryStream(raw));
            var version = r.ReadByte();
            if (version != Version) throw new InterpException($"{where}: unit {id}: record layout version {version} is not supported (this program reads {Version})");
            var (tokensSeen, active, max, mean) = (r.ReadInt64(), r.ReadInt64(), r.ReadSingle(), r.ReadDouble());
            var activationHistogram = ReadHistogram(r);
            var logitHistogram = ReadHistogram(r);
            var positive = ReadEffects(r, tokenString);
            var negative = ReadEffects(r, tokenString);
            var nearest = new NeighbourUnit[r.ReadInt32()];
            for (var i = 0; i < nearest.Length; i++) nearest[i] = new NeighbourUnit(r.ReadInt32(), r.ReadSingle());
            var lists = new List<(long Context, int Start, int Length)[]> { ReadWindows(r), ReadWindows(r), ReadWindows(r), ReadWindows(r) };
            var bands = new (double LowQ, double HighQ, float Low, float High)[r.ReadInt32()];
            for (var b = 0; b < bands.Length; b++)
            {
                bands[b] = (r.ReadDouble(), r.ReadDouble(), r.ReadSingle(), r.ReadSingle());
                lists.Add(ReadWindows(r));
            }
            var values = Unshuffle(r.ReadBytes(checked(r.ReadInt32() * sizeof(float))));
            var at = 0;
            ActivationRecord[] Records((long Context, int Start, int Length)[] windows) => windows.Select(w =>
            {
                var ids = contextTokens(w.Context).AsSpan(w.Start, w.Length).ToArray();
                var activations = values.AsSpan(at, w.Length).ToArray();
                at += w.Length;
                return new ActivationRecord(ids, ids.Select(tokenString).ToArray(), activations, w.Context, w.Start);
            }).ToArray();
            var top = Records(lists[0]);
            var random = Records(lists[1]);
            var randomActivating = Records(lists[2]);
            var nonActivating = Records(lists[3]);
            var quantileBands = bands.Select((b, i) => new QuantileBand(b.LowQ, b.HighQ, b.Low, b.High, Records(lists[4 + i]))).ToArray();
            return new UnitRecord
            {
                Id = id, TokensSeen = tokensSeen, ActiveTokens = active, MaxActivation = max, MeanActivation = mean,
                Top = top, Bands = quantileBands, Random = random, RandomActivating = randomActivating, NonActivating = nonActivating,
                ActivationHistogram = activationHistogram, LogitPositive = positive, LogitNegative = negative,
                LogitHistogram = logitHistogram, Nearest = nearest,
            };
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new InterpException($"{where}: unit {id}: damaged record ({e.Message.Split('\n')[0]})");
        }
    }

    private static void WriteHistogram(BinaryWriter w, Histogram? histogram)
    {
        if (histogram is null)
        {
            w.Write(-1);
            return;
        }
        if (histogram.Edges.Length != histogram.Counts.Length + 1) throw new ArgumentException("histogram needs one more edge than counts");
        w.Write(histogram.Counts.Length);
        foreach (var edge in histogram.Edges) w.Write(edge);
        foreach (var count in histogram.Counts) w.Write(count);
    }

    private static Histogram? ReadHistogram(BinaryReader r)
    {
        var bins = r.ReadInt32();
        if (bins < 0) return null;
        var edges = new double[bins + 1];
        for (var i = 0; i <= bins; i++) edges[i] = r.ReadDouble();
        var counts = new long[bins];
        for (var i = 0; i < bins; i++) counts[i] = r.ReadInt64();
        return new Histogram(edges, counts);
    }

    private static void WriteEffects(BinaryWriter w, IReadOnlyList<TokenEffect> effects)
    {
        w.Write(effects.Count);
        foreach (var e in effects)
        {
            w.Write(e.TokenId);
            w.Write(e.Value);
        }
    }

    private static TokenEffect[] ReadEffects(BinaryReader r, Func<int, string> tokenString)
    {
        var effects = new TokenEffect[r.ReadInt32()];
        for (var i = 0; i < effects.Length; i++)
        {
            var id = r.ReadInt32();
            effects[i] = new TokenEffect(id, tokenString(id), r.ReadSingle());
        }
        return effects;
    }

    private static void WriteWindows(BinaryWriter w, IReadOnlyList<ActivationRecord> records, List<float> values)
    {
        w.Write(records.Count);
        foreach (var record in records)
        {
            if (record.Context < 0) throw new ArgumentException("only windows from an activation store (context ≥ 0) can be stored");
            if (record.TokenIds.Length != record.Activations.Length) throw new ArgumentException("a window needs one activation per token");
            w.Write(record.Context);
            w.Write(record.Start);
            w.Write(record.Activations.Length);
            values.AddRange(record.Activations);
        }
    }

    private static (long Context, int Start, int Length)[] ReadWindows(BinaryReader r)
    {
        var windows = new (long, int, int)[r.ReadInt32()];
        for (var i = 0; i < windows.Length; i++) windows[i] = (r.ReadInt64(), r.ReadInt32(), r.ReadInt32());
        return windows;
    }

    // Byte plane k holds byte k of every float (little-endian), so exponents and high mantissa bytes sit together.
    private static byte[] Shuffle(ReadOnlySpan<float> values)
    {
        var bytes = MemoryMarshal.AsBytes(values);
        var planes = new byte[bytes.Length];
        var n = values.Length;
        for (var i = 0; i < n; i++)
            for (var k = 0; k < 4; k++) planes[k * n + i] = bytes[i * 4 + k];
        return planes;
    }

    private static float[] Unshuffle(byte[] planes)
    {
        var n = planes.Length / 4;
        var values = new float[n];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        for (var i = 0; i < n; i++)
            for (var k = 0; k < 4; k++) bytes[i * 4 + k] = planes[k * n + i];
        return values;
    }
}
