using System.Text.Json;
using Interp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary>Paths into the source tree (the fixture and approved files are read in place, never copied to bin/).</summary>
internal static class TestPaths
{
    public static string RepoRoot =>
        RepoPaths.FindRepoRoot() ?? RepoPaths.FindRepoRoot(Directory.GetCurrentDirectory())
        ?? throw new InvalidOperationException("Interp.sln not found above the test binaries or the working directory");

    /// <summary><c>tests/fixtures/tiny-random-gpt2</c>: 5 layers, vocab 1000, n_embd 32, 4 heads, 512 positions.</summary>
    public static string TinyRandomGpt2 => Path.Combine(RepoRoot, "tests", "fixtures", "tiny-random-gpt2");

    /// <summary>This project's source folder.</summary>
    public static string ProjectDir => Path.Combine(RepoRoot, "tests", "Interp.Model.Tests");
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "interp-model-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name)
    {
        var dir = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The reference numbers in <c>tests/fixtures/tiny-random-gpt2/expected.json</c> (see its "what" fields).</summary>
internal sealed record FixtureExpectations(
    long[][] Inputs, int[] VocabIds, double[] PromptLogits, double[] SecondStepLogits, int[][] GreedyOutputs)
{
    public static FixtureExpectations Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.TinyRandomGpt2, "expected.json")));
        var root = doc.RootElement;
        return new FixtureExpectations(
            root.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray(),
            root.GetProperty("prompt_logits").GetProperty("vocab_ids").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            root.GetProperty("prompt_logits").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            root.GetProperty("second_step_logits").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            root.GetProperty("greedy").GetProperty("outputs").EnumerateArray()
                .Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray());
    }
}

internal static class T
{
    /// <summary>Token ids <c>(rows, positions)</c> as int64.</summary>
    public static Tensor Tokens(params long[][] rows) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length], dtype: ScalarType.Int64);

    public static Tensor Tokens(IReadOnlyList<int> row) => tensor(row.Select(t => (long)t).ToArray(), [1, row.Count], dtype: ScalarType.Int64);

    /// <summary>The elements of <paramref name="t"/> as doubles, row-major.</summary>
    public static double[] Values(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    /// <summary>
    /// max |a − b| over all elements (shapes must match); equal infinities (masked attention scores) count as 0,
    /// and any NaN makes the result NaN.
    /// </summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        using var scope = NewDisposeScope();
        var (x, y) = (a.detach().cpu().to(ScalarType.Float64), b.detach().cpu().to(ScalarType.Float64));
        var diff = (x - y).abs().masked_fill(x.eq(y), 0);
        return diff.numel() == 0 ? 0 : diff.max().item<double>();
    }

    /// <summary>Fails with the largest difference when <paramref name="actual"/> is not within <paramref name="atol"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, double atol, string what = "tensor")
    {
        var diff = MaxAbsDiff(expected, actual);
        Assert.True(diff <= atol, $"{what}: max |difference| {diff:G4} exceeds {atol:G4}");
    }

    public static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";

    /// <summary>Live TorchSharp tensors created (and not yet disposed) on this thread.</summary>
    public static long LiveTensors => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
}

/// <summary>
/// <see cref="FactAttribute"/> that runs only when <c>GPT2_DIR</c> names a Hugging Face <c>gpt2</c> folder
/// (config.json, model.safetensors, vocab.json, merges.txt); otherwise the test is reported as skipped with the reason.
/// </summary>
public sealed class FactRequiringGpt2Attribute : FactAttribute
{
    public const string Variable = "GPT2_DIR";

    public FactRequiringGpt2Attribute()
    {
        var dir = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(dir))
            Skip = $"{Variable} is not set: point it at a Hugging Face gpt2 folder (config.json, model.safetensors, vocab.json, merges.txt) to run the real GPT-2 checks";
        else if (!Directory.Exists(dir))
            Skip = $"{Variable}={dir} is not a folder";
    }
}
