using Interp.Core.Store;

namespace Interp.Store.Tests;

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
}
