using Interp.Core.Store;
using Parquet;

namespace Interp.Harvest.Tests;

public class ShardFileTests
{
    [Theory]
    [InlineData(1, ActivationDtype.Float32)]
    [InlineData(7, ActivationDtype.Float32)]
    [InlineData(8, ActivationDtype.Float32)]
    [InlineData(13, ActivationDtype.Float32)]
    [InlineData(77, ActivationDtype.Float32)]
    [InlineData(13, ActivationDtype.Float16)]
    [InlineData(64, ActivationDtype.Float16)]
    public void Rows_written_in_uneven_pieces_read_back_exactly(int d, ActivationDtype dtype)
    {
        using var dir = new TempDir();
        var random = new Random(d);
        var path = dir["shard.parquet"];
        var groups = new[] { new[] { 3, 8, 1 }, [17], [8, 8, 5, 2] };   // appended pieces, per row group
        var all = new List<float>();
        using (var writer = ParquetShardWriter.Create(path, d, dtype, rowGroupCapacity: 40, [new("k", "v")]))
        {
            long row = 0;
            foreach (var pieces in groups)
            {
                foreach (var n in pieces)
                {
                    var values = Enumerable.Range(0, n * d).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
                    var index = Enumerable.Range(0, n).Select(i => row + i).ToArray();
                    writer.AppendRows(index, index.Select(i => (int)(i % 5)).ToArray(), index.Select(i => (int)i * 3).ToArray(), values);
                    all.AddRange(values);
                    row += n;
                }
                writer.FlushRowGroup();
            }
            var info = writer.Complete();
            Assert.Equal(row, info.Rows);
            Assert.Equal(new FileInfo(path).Length, info.Bytes);
            Assert.Equal(StoreAssert.Sha256(path), info.Sha256);
        }
        using var file = ParquetShardFile.Open(path);
        Assert.Equal((d, dtype, groups.Length), (file.D, file.Dtype, file.RowGroupCount));
        Assert.Equal("v", file.Metadata["k"]);
        var rows = new ActivationRows();
        var read = new List<float>();
        long expectedRow = 0;
        for (var g = 0; g < file.RowGroupCount; g++)
        {
            file.ReadRowGroup(g, rows);
            Assert.Equal(groups[g].Sum(), rows.Rows);
            for (var r = 0; r < rows.Rows; r++, expectedRow++)
            {
                Assert.Equal(expectedRow, rows.Context[r]);
                Assert.Equal((int)(expectedRow % 5), rows.Position[r]);
                Assert.Equal((int)expectedRow * 3, rows.Token[r]);
            }
            read.AddRange(rows.Activations.Take(rows.Rows * d));
        }
        var expected = dtype == ActivationDtype.Float16 ? all.Select(v => (float)(Half)v) : all;
        Assert.Equal(expected, read);
    }

    private static ShardFileInfo WriteShard(string path, ActivationDtype dtype, int d = 9, int rows = 30)
    {
        var values = Enumerable.Range(0, rows * d).Select(i => MathF.Sin(i * 0.37f) * 3).ToArray();
        var index = Enumerable.Range(0, rows).Select(i => (long)i).ToArray();
        using var writer = ParquetShardWriter.Create(path, d, dtype, rowGroupCapacity: 16, [new("k", "v")]);
        writer.AppendRows(index[..16], new int[16], new int[16], values.AsSpan(0, 16 * d));
        writer.FlushRowGroup();
        writer.AppendRows(index[16..], new int[rows - 16], new int[rows - 16], values.AsSpan(16 * d));
        return writer.Complete();
    }

    [Theory]
    [InlineData(ActivationDtype.Float32)]
    [InlineData(ActivationDtype.Float16)]
    public void The_same_rows_give_the_same_bytes_and_an_abandoned_file_has_no_footer(ActivationDtype dtype)
    {
        using var dir = new TempDir();
        var first = WriteShard(dir["a.parquet"], dtype);
        var second = WriteShard(dir["b.parquet"], dtype);
        Assert.Equal(first, second);
        Assert.Equal(File.ReadAllBytes(dir["a.parquet"]), File.ReadAllBytes(dir["b.parquet"]));

        using (var writer = ParquetShardWriter.Create(dir["c.parquet"], 9, dtype, rowGroupCapacity: 16))
        {
            writer.AppendRows([0L], [0], [0], new float[9]);
            writer.FlushRowGroup();
        }
        Assert.Contains("truncated (no PAR1 magic at the end", Assert.Throws<Interp.Core.InterpException>(() => ParquetShardFile.Open(dir["c.parquet"])).Message);
    }

    /// <summary>
    /// Why <c>Float16ShardEncoder</c> exists: Parquet.Net 6.1 cannot even build the schema of a float16 shard. When
    /// this fails after a Parquet.Net upgrade, check whether it now writes and reads Half columns, and drop the encoder.
    /// </summary>
    [Fact]
    public async Task Parquet_Net_still_cannot_read_float16_columns()
    {
        using var dir = new TempDir();
        WriteShard(dir["h.parquet"], ActivationDtype.Float16);
        await using var parquet = await ParquetReader.CreateAsync(dir["h.parquet"]);
        Assert.Equal(30, parquet.Metadata!.NumRows);
        Assert.NotNull(parquet.Metadata.Schema[4].LogicalType?.FLOAT16);
        Assert.Throws<NotSupportedException>(() => parquet.Schema);
        Assert.Throws<NotSupportedException>(() => new Parquet.Schema.DataField<Half>("a0000"));
    }
}
