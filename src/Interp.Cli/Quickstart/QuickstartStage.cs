namespace Interp.Cli.Quickstart;

/// <summary>
/// One step of the quickstart: an <c>interp</c> verb with its arguments (the same command a user could type), and a test of
/// whether its output is already complete, in which case the step is skipped.
/// </summary>
/// <param name="Name">Short name shown in the progress and the timing table.</param>
/// <param name="What">One line saying what the step makes.</param>
/// <param name="Arguments">The verb and its arguments.</param>
/// <param name="IsComplete">True when the step's output is there and finished.</param>
public sealed record QuickstartStage(string Name, string What, IReadOnlyList<string> Arguments, Func<bool> IsComplete)
{
    /// <summary>The command line as a user would type it.</summary>
    public string CommandLine => "interp " + string.Join(' ', Arguments.Select(Quote));

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./:=,@+".Contains(c)) ? argument : "'" + argument.Replace("'", "'\\''") + "'";
}
