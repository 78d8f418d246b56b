using System.Security.Cryptography;
using Interp.Core.Store;
using Xunit;

namespace Interp.Tests.Shared;

/// <summary>Assertions on activation stores written by harvest.</summary>
public static class StoreAssert
{
    /// <summary>SHA-256 of a file's bytes, lower-case hex.</summary>
    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Two store roots hold the same hooks with byte-identical manifests and shard files, and nothing else.</summary>
    public static void SameStore(string expectedRoot, string actualRoot)
    {
        var expected = ActivationStoreReader.HookFolders(expectedRoot);
        var actual = ActivationStoreReader.HookFolders(actualRoot);
        Assert.Equal(expected.Select(f => Path.GetRelativePath(expectedRoot, f)), actual.Select(f => Path.GetRelativePath(actualRoot, f)));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(Files(e), Files(a));
            Assert.Equal(File.ReadAllText(Path.Combine(e, ActivationManifest.FileName)), File.ReadAllText(Path.Combine(a, ActivationManifest.FileName)));
            foreach (var file in Files(e).Where(f => f.EndsWith(".parquet", StringComparison.Ordinal)))
                Assert.True(Sha256(Path.Combine(e, file)) == Sha256(Path.Combine(a, file)), $"{file} differs between {e} and {a}");
        }
    }

    /// <summary>The names of the files in <paramref name="folder"/>, in ordinal order.</summary>
    public static string[] Files(string folder) => Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
