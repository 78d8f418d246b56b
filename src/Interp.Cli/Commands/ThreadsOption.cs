using System.CommandLine;
using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary><c>--threads N</c>: libtorch's intra-op CPU threads for this run (default: libtorch's choice, one per core).</summary>
internal static class ThreadsOption
{
    public static Option<int?> Create() => new("--threads")
    {
        Description = "libtorch CPU threads (default: one per core; on a machine busy with other work, 1 is often faster)",
    };

    /// <summary>Applies the option when given; refuses a non-positive count.</summary>
    public static void Apply(ParseResult parse, Option<int?> option)
    {
        if (parse.GetValue(option) is not { } threads) return;
        if (threads <= 0) throw new InterpException($"--threads {threads}: must be positive");
        TorchSharp.torch.set_num_threads(threads);
    }
}
