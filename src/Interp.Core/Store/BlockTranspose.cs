using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Interp.Core.Store;

/// <summary>
/// Row-major ⇄ column-major for activation blocks, 8 × 8 floats at a time in AVX registers (scalar where AVX is absent
/// and for the edges). The shard writer turns batches of rows into column pages with it and the reader turns pages back
/// into rows: both are otherwise limited by strided single-float loads and stores.
/// </summary>
internal static unsafe class BlockTranspose
{
    /// <summary>
    /// <c>to[c][r] = from[r][c]</c> for <paramref name="rows"/> × <paramref name="columns"/>: source row r starts at
    /// <c>sources[r]</c> + <paramref name="sourceOffset"/>, destination row c (the source's column c) at
    /// <c>targets[c]</c> + <paramref name="targetOffset"/>. <paramref name="columnsOuter"/> picks the loop order: false
    /// sweeps 8 source rows across all columns (the rows stay in L1), true sweeps 8 columns across all rows (the
    /// 8 destination rows stay in L1).
    /// </summary>
    public static void Transpose(float** sources, long sourceOffset, int rows, float** targets, long targetOffset, int columns, bool columnsOuter = false)
    {
        var fullRows = Avx.IsSupported ? rows & ~7 : 0;
        var fullColumns = Avx.IsSupported ? columns & ~7 : 0;
        if (columnsOuter)
        {
            for (var c = 0; c < fullColumns; c += 8)
                for (var r = 0; r < fullRows; r += 8) Block8x8(sources + r, sourceOffset + c, targets + c, targetOffset + r);
        }
        else
        {
            for (var r = 0; r < fullRows; r += 8)
                for (var c = 0; c < fullColumns; c += 8) Block8x8(sources + r, sourceOffset + c, targets + c, targetOffset + r);
        }
        for (var r = fullRows; r < rows; r++)
            for (var c = 0; c < columns; c++) targets[c][targetOffset + r] = sources[r][sourceOffset + c];
        for (var r = 0; r < fullRows; r++)
            for (var c = fullColumns; c < columns; c++) targets[c][targetOffset + r] = sources[r][sourceOffset + c];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8x8(float** sources, long sourceOffset, float** targets, long targetOffset)
    {
        var r0 = Avx.LoadVector256(sources[0] + sourceOffset);
        var r1 = Avx.LoadVector256(sources[1] + sourceOffset);
        var r2 = Avx.LoadVector256(sources[2] + sourceOffset);
        var r3 = Avx.LoadVector256(sources[3] + sourceOffset);
        var r4 = Avx.LoadVector256(sources[4] + sourceOffset);
        var r5 = Avx.LoadVector256(sources[5] + sourceOffset);
        var r6 = Avx.LoadVector256(sources[6] + sourceOffset);
        var r7 = Avx.LoadVector256(sources[7] + sourceOffset);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(targets[0] + targetOffset, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(targets[1] + targetOffset, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(targets[2] + targetOffset, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(targets[3] + targetOffset, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(targets[4] + targetOffset, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(targets[5] + targetOffset, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(targets[6] + targetOffset, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(targets[7] + targetOffset, Avx.Permute2x128(s3, s7, 0x31));
    }
}
