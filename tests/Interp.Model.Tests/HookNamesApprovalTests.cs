using static TorchSharp.torch;

namespace Interp.Model.Tests;

/// <summary>
/// Approval test: every hook point of the fixture model, in forward order, with its activation shape for a 1×4 input.
/// The approved listing lives in <c>Approved/hooks.tiny-random-gpt2.approved.txt</c>; a mismatch writes
/// <c>.received.txt</c> beside it.
/// </summary>
public sealed class HookNamesApprovalTests
{
    private const string Name = "hooks.tiny-random-gpt2";

    [Fact]
    public void Hook_names_and_shapes_for_a_1x4_input_match_the_approved_listing()
    {
        using var model = Gpt2.Load(TestPaths.TinyRandomGpt2);
        using var noGrad = no_grad();
        using var tokens = T.Tokens([[0, 0, 195, 731]]);
        var (logits, cache) = model.RunWithCache(tokens);
        using var _ = cache;
        using var _l = logits;
        Assert.Equal(model.HookPoints.Count, cache.Count);
        var received = string.Concat(model.HookPoints.Keys.Select(name => $"{name} {T.Shape(cache[new(name)])}\n"));
        Approve(received);
    }

    private static void Approve(string received)
    {
        var dir = Path.Combine(TestPaths.ProjectDir, "Approved");
        var approvedPath = Path.Combine(dir, $"{Name}.approved.txt");
        var receivedPath = Path.Combine(dir, $"{Name}.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : null;
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(dir);
        File.WriteAllText(receivedPath, received);
        var firstDifference = approved is null ? "no approved file yet" : FirstDifference(approved, received);
        Assert.Fail(
            $"hook listing differs from {approvedPath} ({firstDifference}). Review {receivedPath}; if it is right, approve it with: " +
            $"mv '{receivedPath}' '{approvedPath}'");
    }

    private static string FirstDifference(string approved, string received)
    {
        var a = approved.Split('\n');
        var r = received.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, r.Length); i++)
        {
            var x = i < a.Length ? a[i] : "<end>";
            var y = i < r.Length ? r[i] : "<end>";
            if (x != y) return $"line {i + 1}: approved '{x}', received '{y}'";
        }
        return "line endings";
    }
}
