using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Interp.Tests.Shared;

/// <summary>
/// <c>tests/scripts/saelens_reference.py</c>, an independent SAELens-format writer and reader (numpy only), run with
/// Debian's <c>/usr/bin/python3</c>. Linked into the test projects that compare Interp's SAE folders with SAELens's.
/// </summary>
public static class SaelensReference
{
    /// <summary>The interpreter: Debian's, whose numpy comes from apt (python3-numpy), never a project dependency.</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Why the script cannot run here, or null when it can.</summary>
    public static string? MissingReason { get; } = FindMissingReason();

    /// <summary>The script's path in the source tree.</summary>
    public static string Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "scripts", "saelens_reference.py");
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException("tests/scripts/saelens_reference.py not found above the test binaries");
        }
    }

    /// <summary>Runs the script with <paramref name="args"/>; asserts exit 0 and returns its stdout.</summary>
    public static string Run(params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"saelens_reference.py {string.Join(' ', args)} ran past 120 s");
        }
        Assert.True(process.ExitCode == 0, $"saelens_reference.py {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>The script's <c>encode</c>: SAELens's latents and reconstruction of <paramref name="rows"/> and its L0 and explained variance.</summary>
    public static (float[] Latents, float[] Reconstruction, double L0, double ExplainedVariance) Encode(string saeFolder, string rowsPath, string outPrefix)
    {
        using var summary = JsonDocument.Parse(Run("encode", saeFolder, rowsPath, outPrefix));
        var root = summary.RootElement;
        return (ReadFloats(outPrefix + ".latents.f32"), ReadFloats(outPrefix + ".recon.f32"),
            root.GetProperty("l0").GetDouble(), root.GetProperty("explained_variance").GetDouble());
    }

    /// <summary>Writes float32 rows as raw little-endian bytes, the script's input format.</summary>
    public static void WriteFloats(string path, float[] values) => File.WriteAllBytes(path, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Reads raw little-endian float32 values.</summary>
    public static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    private static string? FindMissingReason()
    {
        if (!File.Exists(Python)) return $"{Python} is not installed (Debian: apt-get install -y python3-numpy); the SAELens interop tests need it";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Python, ["-c", "import numpy"]) { RedirectStandardError = true })!;
            process.StandardError.ReadToEnd();
            process.WaitForExit(30_000);
            return process.ExitCode == 0 ? null
                : $"numpy is missing for {Python} (Debian: apt-get install -y python3-numpy); the SAELens interop tests need it";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{Python} cannot be started ({e.Message}); the SAELens interop tests need it";
        }
    }
}

/// <summary>A test that runs <see cref="SaelensReference"/>: skipped, with the reason, when python3 or numpy is missing.</summary>
public sealed class NumpyFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the script cannot run.</summary>
    public NumpyFactAttribute()
    {
        if (SaelensReference.MissingReason is { } reason) Skip = reason;
    }
}

/// <summary>A theory that runs <see cref="SaelensReference"/>: skipped, with the reason, when python3 or numpy is missing.</summary>
public sealed class NumpyTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the script cannot run.</summary>
    public NumpyTheoryAttribute()
    {
        if (SaelensReference.MissingReason is { } reason) Skip = reason;
    }
}
