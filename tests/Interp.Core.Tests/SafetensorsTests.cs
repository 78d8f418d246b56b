using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Interp.Core;
using Interp.Core.Safetensors;

namespace Interp.Core.Tests;

/// <summary>A fact that is skipped, with the reason stated, when no <c>python3</c> is on PATH.</summary>
public sealed class FactRequiringPython3Attribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when python3 cannot be found.</summary>
    public FactRequiringPython3Attribute()
    {
        if (SafetensorsTests.FindPython3() is null)
            Skip = "python3 is not on PATH, so the independent stdlib (struct + json) reader cannot run";
    }
}

public sealed class SafetensorsTests : IDisposable
{
    private readonly string _dir;

    public SafetensorsTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "interp-safetensors-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // ---------------------------------------------------------------- round trips

    [Fact]
    public void F32_F16_BF16_and_I64_tensors_and_metadata_survive_a_round_trip()
    {
        var f32 = new[] { 1f, -2.5f, 3.25f, 0f, float.MaxValue, -1e-20f };
        var f16 = new[] { (Half)1.5f, (Half)(-0.25f), Half.MaxValue, (Half)0f };
        var bf16Values = new[] { 1f, -3.5f, 0.15625f, 256f, -0f, 0.0078125f };
        var i64 = new[] { long.MinValue, -1L, 0L, 42L, long.MaxValue };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\" <ok>" };
        var path = Path.Combine(_dir, "round.safetensors");

        SafetensorsWriter.Write(path,
        [
            SafetensorsWriter.Float32("a.f32", [2, 3], f32),
            new("b.f16", SafetensorsDtype.F16, [4], HalfBytes(f16)),
            new("c.bf16", SafetensorsDtype.BF16, [3, 2], Bf16Bytes(bf16Values)),
            new("d.i64", SafetensorsDtype.I64, [5], MemoryMarshal.AsBytes(i64.AsSpan()).ToArray()),
        ], metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a.f32", "b.f16", "c.bf16", "d.i64"], file.Tensors.Keys);
        Assert.Equal(metadata.OrderBy(kv => kv.Key), file.Metadata.OrderBy(kv => kv.Key));

        var a = file.Tensors["a.f32"];
        Assert.Equal(SafetensorsDtype.F32, a.Dtype);
        Assert.Equal([2L, 3L], a.Shape);
        Assert.Equal(6, a.ElementCount);
        Assert.Equal(24, a.ByteLength);
        Assert.Equal(f32, file.ReadAsFloat32("a.f32"));

        Assert.Equal(SafetensorsDtype.F16, file.Tensors["b.f16"].Dtype);
        Assert.Equal(HalfBytes(f16), file.GetBytes("b.f16").ToArray());
        Assert.Equal(f16.Select(h => (float)h).ToArray(), file.ReadAsFloat32("b.f16"));

        Assert.Equal(SafetensorsDtype.BF16, file.Tensors["c.bf16"].Dtype);
        Assert.Equal([3L, 2L], file.Tensors["c.bf16"].Shape);
        Assert.Equal(bf16Values, file.ReadAsFloat32("c.bf16"));

        Assert.Equal(SafetensorsDtype.I64, file.Tensors["d.i64"].Dtype);
        Assert.Equal(i64, MemoryMarshal.Cast<byte, long>(file.GetBytes("d.i64")).ToArray());
    }

    [Fact]
    public void F64_converts_to_float_and_CopyAsFloat32_fills_caller_memory()
    {
        var values = new[] { 0.5, -1.25, 1e10, Math.PI };
        var path = Path.Combine(_dir, "f64.safetensors");
        SafetensorsWriter.Write(path, [new("x", SafetensorsDtype.F64, [2, 2], MemoryMarshal.AsBytes(values.AsSpan()).ToArray())]);

        using var file = SafetensorsFile.Open(path);
        var destination = new float[4];
        file.CopyAsFloat32("x", destination);
        Assert.Equal(values.Select(v => (float)v).ToArray(), destination);
        Assert.Equal(destination, file.ReadAsFloat32("x"));
    }

    [Fact]
    public void A_float32_entry_made_from_a_slice_of_an_array_writes_only_that_slice()
    {
        var backing = new[] { 9f, 1f, 2f, 3f, 4f, 9f };
        var path = Path.Combine(_dir, "slice.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("s", [2, 2], backing.AsMemory(1, 4))]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal([1f, 2f, 3f, 4f], file.ReadAsFloat32("s"));
    }

    [Fact]
    public void A_zero_byte_tensor_and_a_scalar_are_valid()
    {
        var path = Path.Combine(_dir, "empty.safetensors");
        SafetensorsWriter.Write(path,
        [
            SafetensorsWriter.Float32("empty", [0, 4], ReadOnlyMemory<float>.Empty),
            SafetensorsWriter.Float32("scalar", [], new[] { 7f }),
            new("flags", SafetensorsDtype.Bool, [3], new byte[] { 1, 0, 1 }),
        ]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(0, file.Tensors["empty"].ElementCount);
        Assert.True(file.GetBytes("empty").IsEmpty);
        Assert.Empty(file.ReadAsFloat32("empty"));
        Assert.Equal(1, file.Tensors["scalar"].ElementCount);
        Assert.Equal([7f], file.ReadAsFloat32("scalar"));
        Assert.Equal(SafetensorsDtype.Bool, file.Tensors["flags"].Dtype);
        Assert.Equal([1, 0, 1], file.GetBytes("flags").ToArray());
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void The_header_is_padded_with_spaces_to_a_multiple_of_eight_bytes()
    {
        for (var nameLength = 1; nameLength <= 9; nameLength++)
        {
            var path = Path.Combine(_dir, $"pad{nameLength}.safetensors");
            SafetensorsWriter.Write(path, [SafetensorsWriter.Float32(new string('n', nameLength), [1], new[] { 1f })]);

            var bytes = File.ReadAllBytes(path);
            var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0, headerLength % 8);
            var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
            Assert.StartsWith("{", header);
            Assert.EndsWith("}", header.TrimEnd(' '));
            Assert.Equal(8 + headerLength + 4, bytes.Length);
        }
    }

    [Fact]
    public void GetBytes_is_a_view_into_the_mapping_not_a_copy()
    {
        var path = Path.Combine(_dir, "view.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("w", [3], new[] { 1f, 2f, 3f })]);

        using var file = SafetensorsFile.Open(path);
        var first = file.GetBytes("w");
        var second = file.GetBytes("w");
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(first), ref MemoryMarshal.GetReference(second)));
        Assert.Equal(File.ReadAllBytes(path).AsSpan(^12).ToArray(), first.ToArray());
    }

    [Fact]
    public void An_unknown_tensor_name_fails_naming_the_name_and_the_file()
    {
        var path = Path.Combine(_dir, "names.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("present", [1], new[] { 1f })]);

        using var file = SafetensorsFile.Open(path);
        var e = Assert.Throws<InterpException>(() => file.GetBytes("absent.weight"));
        AssertOneLineNaming(e, path, "absent.weight");
        AssertOneLineNaming(Assert.Throws<InterpException>(() => file.ReadAsFloat32("absent.weight")), path, "absent.weight");
    }

    [Fact]
    public void Converting_an_integer_tensor_to_float_fails_naming_the_dtype()
    {
        var path = Path.Combine(_dir, "ints.safetensors");
        SafetensorsWriter.Write(path, [new("ids", SafetensorsDtype.I32, [2], new byte[8])]);

        using var file = SafetensorsFile.Open(path);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => file.ReadAsFloat32("ids")), path, "ids", "I32");
    }

    [Fact]
    public void CopyAsFloat32_into_a_destination_of_the_wrong_length_fails()
    {
        var path = Path.Combine(_dir, "dest.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("w", [2, 2], new float[4])]);

        using var file = SafetensorsFile.Open(path);
        var e = Assert.Throws<InterpException>(() => file.CopyAsFloat32("w", new float[3]));
        AssertOneLineNaming(e, path, "\"w\"", "4 elements", "3");
    }

    [Fact]
    public void Reading_after_dispose_throws()
    {
        var path = Path.Combine(_dir, "disposed.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("w", [1], new[] { 1f })]);

        var file = SafetensorsFile.Open(path);
        file.Dispose();
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.GetBytes("w"));
    }

    // ---------------------------------------------------------------- independent reader and real file

    [FactRequiringPython3]
    public void A_file_written_here_parses_with_an_independent_stdlib_python_reader()
    {
        var path = Path.Combine(_dir, "py.safetensors");
        SafetensorsWriter.Write(path,
        [
            new("ids", SafetensorsDtype.I64, [2], MemoryMarshal.AsBytes(new long[] { 5, 6 }.AsSpan()).ToArray()),
            SafetensorsWriter.Float32("layer.0.weight", [2, 3], new[] { 0.5f, -2.25f, 3f, 4f, 5f, 6.125f }),
        ], new Dictionary<string, string> { ["k"] = "v" });

        const string script = """
            import json, struct, sys
            path, name = sys.argv[1], sys.argv[2]
            with open(path, "rb") as f:
                n = struct.unpack("<Q", f.read(8))[0]
                header = json.loads(f.read(n).decode("utf-8"))
                t = header[name]
                begin, end = t["data_offsets"]
                f.seek(8 + n + begin)
                values = struct.unpack("<%df" % ((end - begin) // 4), f.read(end - begin))
            print(n % 8, t["dtype"], json.dumps(t["shape"]), repr(values[1]), repr(values[5]), header["__metadata__"]["k"])
            """;
        var start = new ProcessStartInfo(FindPython3()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(path);
        start.ArgumentList.Add("layer.0.weight");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.True(process.ExitCode == 0, $"python3 failed: {stderr}");
        Assert.Equal("0 F32 [2, 3] -2.25 6.125 v", stdout.Trim());
    }

    [Fact]
    public void The_tiny_random_gpt2_fixture_reads_with_64_tensors_plus_metadata()
    {
        var root = RepoPaths.FindRepoRoot() ?? throw new InvalidOperationException("repository root not found");
        var path = Path.Combine(root, "tests", "fixtures", "tiny-random-gpt2", "model.safetensors");

        using var file = SafetensorsFile.Open(path);
        // The header has 65 keys: 64 tensors and __metadata__.
        Assert.Equal(64, file.Tensors.Count);
        Assert.DoesNotContain("__metadata__", file.Tensors.Keys);
        var info = file.Tensors["h.0.attn.c_attn.weight"];
        Assert.Equal(SafetensorsDtype.F32, info.Dtype);
        Assert.Equal([32L, 96L], info.Shape);
        Assert.Equal("pt", file.Metadata["format"]);

        var values = file.ReadAsFloat32("h.0.attn.c_attn.weight");
        Assert.Equal(32 * 96, values.Length);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(values, v => v != 0);
        Assert.Equal(MemoryMarshal.Cast<byte, float>(file.GetBytes("h.0.attn.c_attn.weight")).ToArray(), values);
    }

    // ---------------------------------------------------------------- writer safety

    [Fact]
    public void The_writer_leaves_no_tmp_file_behind_and_replaces_an_existing_target()
    {
        var path = Path.Combine(_dir, "replace.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("old", [1], new[] { 1f })]);
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("new", [2], new[] { 2f, 3f })]);

        Assert.Empty(Directory.GetFiles(_dir, Path.GetFileName(path) + ".*tmp"));   // per-process temporary names
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_dir).Select(Path.GetFileName));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["new"], file.Tensors.Keys);
    }

    [Fact]
    public void A_data_length_that_disagrees_with_the_shape_fails_without_touching_the_target()
    {
        var path = Path.Combine(_dir, "keep.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("orig", [1], new[] { 1f })]);
        var before = File.ReadAllBytes(path);

        var e = Assert.Throws<InterpException>(() => SafetensorsWriter.Write(path,
        [
            SafetensorsWriter.Float32("fine", [2], new[] { 1f, 2f }),
            SafetensorsWriter.Float32("short", [2, 3], new[] { 1f, 2f, 3f }),
        ]));

        AssertOneLineNaming(e, path, "\"short\"", "12 bytes", "24");
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_dir, Path.GetFileName(path) + ".*tmp"));   // per-process temporary names
    }

    [Fact]
    public void A_failure_midway_through_the_data_leaves_the_target_intact_and_removes_the_tmp_file()
    {
        var path = Path.Combine(_dir, "midway.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsWriter.Float32("orig", [1], new[] { 1f })]);
        var before = File.ReadAllBytes(path);
        using var exploding = new ExplodingMemory(8);

        var e = Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Write(path,
        [
            SafetensorsWriter.Float32("first", [1000], new float[1000]),
            new("second", SafetensorsDtype.F32, [2], exploding.Memory),
        ]));

        Assert.Equal(ExplodingMemory.Message, e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_dir, Path.GetFileName(path) + ".*tmp"));   // per-process temporary names
    }

    [Fact]
    public void The_writer_rejects_duplicate_and_reserved_names_and_negative_dimensions()
    {
        var path = Path.Combine(_dir, "names.safetensors");
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsWriter.Write(path,
            [SafetensorsWriter.Float32("x", [1], new[] { 1f }), SafetensorsWriter.Float32("x", [1], new[] { 1f })])), path, "\"x\"", "twice");
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsWriter.Write(path,
            [SafetensorsWriter.Float32("__metadata__", [1], new[] { 1f })])), path, "__metadata__");
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsWriter.Write(path,
            [new("neg", SafetensorsDtype.U8, [-1, -1], new byte[1])])), path, "\"neg\"", "-1");
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir, Path.GetFileName(path) + ".*tmp"));   // per-process temporary names
    }

    // ---------------------------------------------------------------- bad input, one case each

    [Fact]
    public void Opening_a_missing_file_fails_naming_the_file()
    {
        var path = Path.Combine(_dir, "nope.safetensors");
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "not found");
    }

    [Fact]
    public void A_file_shorter_than_eight_bytes_fails_naming_its_length()
    {
        var path = Path.Combine(_dir, "short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "3 bytes");
    }

    [Fact]
    public void An_empty_file_fails_naming_its_length()
    {
        var path = Path.Combine(_dir, "zero.safetensors");
        File.WriteAllBytes(path, []);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "0 bytes");
    }

    [Fact]
    public void A_header_length_past_the_end_of_the_file_fails_naming_the_length()
    {
        var path = WriteRaw("past.safetensors", "{}", [], headerLength: 1000);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "1000", "past the end");
    }

    [Fact]
    public void An_absurdly_large_header_length_fails_naming_the_length()
    {
        var path = WriteRaw("huge.safetensors", "{}", [], headerLength: 1UL << 40);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, (1UL << 40).ToString(), "limit");
    }

    [Fact]
    public void A_header_that_is_not_utf8_fails()
    {
        var path = WriteRawBytes("latin1.safetensors", [(byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "UTF-8");
    }

    [Fact]
    public void A_header_that_is_not_json_fails()
    {
        var path = WriteRaw("garbage.safetensors", "{\"a\": {\"dtype\": ", []);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "not valid JSON");
    }

    [Fact]
    public void A_header_that_is_not_a_json_object_fails()
    {
        var path = WriteRaw("array.safetensors", "[1, 2, 3]", []);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "array", "not an object");
    }

    [Fact]
    public void An_unknown_dtype_fails_naming_the_dtype_and_the_tensor()
    {
        var path = WriteRaw("dtype.safetensors", """{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", new byte[4]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"w\"", "F8_E4M3");
    }

    [Fact]
    public void A_missing_dtype_fails_naming_the_tensor()
    {
        var path = WriteRaw("nodtype.safetensors", """{"w":{"shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"w\"", "dtype");
    }

    [Fact]
    public void A_negative_dimension_fails_naming_the_shape()
    {
        var path = WriteRaw("neg.safetensors", """{"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}}""", new byte[16]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"w\"", "[2,-2]", "-2");
    }

    [Fact]
    public void A_non_integer_dimension_fails_naming_the_shape()
    {
        var path = WriteRaw("frac.safetensors", """{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", new byte[8]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"w\"", "2.5");
    }

    [Fact]
    public void Data_offsets_that_are_not_two_integers_fail_naming_them()
    {
        var path = WriteRaw("three.safetensors", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}""", new byte[8]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"w\"", "[0,4,8]");

        var strings = WriteRaw("strings.safetensors", """{"v":{"dtype":"F32","shape":[1],"data_offsets":["0","4"]}}""", new byte[4]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(strings)), strings, "\"v\"", "[\"0\",\"4\"]");
    }

    [Fact]
    public void Descending_data_offsets_fail_naming_them()
    {
        var path = WriteRaw("desc.safetensors", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", new byte[8]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"w\"", "[8,4]", "ascending");
    }

    [Fact]
    public void Data_offsets_past_the_data_section_fail_naming_them()
    {
        var path = WriteRaw("range.safetensors", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[8]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"w\"", "[4,12]", "8-byte data section");
    }

    [Fact]
    public void A_byte_length_that_disagrees_with_shape_and_dtype_fails_naming_both()
    {
        var path = WriteRaw("size.safetensors", """{"w":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,8]}}""", new byte[8]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"w\"", "[3, 2]", "BF16", "needs 12");
    }

    [Fact]
    public void Overlapping_tensors_fail_naming_both()
    {
        var path = WriteRaw("overlap.safetensors",
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"a\"", "\"b\"", "overlap");
    }

    [Fact]
    public void Duplicate_tensor_names_fail_naming_the_name()
    {
        var path = WriteRaw("dup.safetensors",
            """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", new byte[2]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "\"a\"", "duplicate");
    }

    [Fact]
    public void Metadata_with_a_non_string_value_fails_naming_the_key()
    {
        var path = WriteRaw("meta.safetensors", """{"__metadata__":{"step":12}}""", []);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "__metadata__", "\"step\"");
    }

    [Fact]
    public void A_tensor_name_with_a_newline_keeps_the_message_on_one_line()
    {
        var path = WriteRaw("newline.safetensors", """{"bad\nname":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}""", new byte[1]);
        AssertOneLineNaming(Assert.Throws<InterpException>(() => SafetensorsFile.Open(path)), path, "bad\\nname", "Q4");
    }

    [Fact]
    public void A_header_only_file_with_no_tensors_opens()
    {
        var path = WriteRaw("none.safetensors", """{"__metadata__":{"a":"b"}}""", []);
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Tensors);
        Assert.Equal("b", file.Metadata["a"]);
    }

    // ---------------------------------------------------------------- helpers

    internal static string? FindPython3()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "python3", "python3.exe" })
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static void AssertOneLineNaming(InterpException e, string path, params string[] fragments)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        Assert.Contains(Path.GetFileName(path), e.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, e.Message);
    }

    private string WriteRaw(string fileName, string headerJson, byte[] data, ulong? headerLength = null) =>
        WriteRawBytes(fileName, Encoding.UTF8.GetBytes(headerJson), data, headerLength);

    private string WriteRawBytes(string fileName, byte[] header, byte[] data, ulong? headerLength = null)
    {
        var path = Path.Combine(_dir, fileName);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] HalfBytes(Half[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), BitConverter.HalfToUInt16Bits(values[i]));
        return bytes;
    }

    private static byte[] Bf16Bytes(float[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BitConverter.SingleToUInt32Bits(values[i]);
            Assert.Equal(0u, bits & 0xFFFF); // the test values are exactly representable in bfloat16
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)(bits >> 16));
        }
        return bytes;
    }

    /// <summary>Memory whose contents throw when touched, to fail a write after the header and earlier tensors.</summary>
    private sealed class ExplodingMemory(int length) : MemoryManager<byte>
    {
        public const string Message = "simulated failure while reading tensor data";

        public override Span<byte> GetSpan() => throw new InvalidOperationException(Message);

        public override Memory<byte> Memory => CreateMemory(length);

        public override MemoryHandle Pin(int elementIndex = 0) => throw new InvalidOperationException(Message);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
