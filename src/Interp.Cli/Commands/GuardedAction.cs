using System.CommandLine;

namespace Interp.Cli.Commands;

/// <summary>Same as <see cref="CliApp.Guard"/> (kept while verbs move over to it).</summary>
internal static class GuardedAction
{
    public static Func<ParseResult, int> Of(Func<ParseResult, int> body) => CliApp.Guard(body);
}
