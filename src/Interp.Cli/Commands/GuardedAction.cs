using System.CommandLine;

namespace Interp.Cli.Commands;

/// <summary>
/// <see cref="CliApp.Guard"/> as an action that returns the exit code. Guard sets <see cref="Environment.ExitCode"/>,
/// but <c>Program</c> returns <c>Invoke()</c>'s value, which is 0 for a void action; returning the code from the action
/// makes it the process's exit code (1 for a user-facing error).
/// </summary>
internal static class GuardedAction
{
    public static Func<ParseResult, int> Of(Func<ParseResult, int> body) => parse =>
    {
        CliApp.Guard(body)(parse);
        return Environment.ExitCode;
    };
}
