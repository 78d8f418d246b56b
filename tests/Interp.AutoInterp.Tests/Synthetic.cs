using Interp.AutoInterp.Batch;
using Interp.Core.Records;

namespace Interp.AutoInterp.Tests;

/// <summary>Synthetic units over a slice of WikiText-2, shared by the tests (tokenized once).</summary>
internal static class Synthetic
{
    private static readonly Lazy<SyntheticCorpus> LazyCorpus = new(() => SyntheticCorpus.WikiText(40_000));

    public static SyntheticCorpus Corpus => LazyCorpus.Value;

    public static UnitRecord Unit(int index, SyntheticRule rule) =>
        SyntheticUnits.Build(new UnitId("synthetic", index), Corpus, rule, seed: index);

    public static UnitRecord FiresOnThe => Unit(0, SyntheticUnits.OnToken(" the"));
    public static UnitRecord FiresOnTheAfterOf => Unit(1, SyntheticUnits.OnTokenAfter(" of", " the"));
    public static UnitRecord FiresOnDigits => Unit(2, SyntheticUnits.OnDigits());

    /// <summary>A fresh temporary folder, removed by Dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "interp-autointerp-" + Guid.NewGuid().ToString("N")[..12]);

        public TempDir() => Directory.CreateDirectory(Path);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
