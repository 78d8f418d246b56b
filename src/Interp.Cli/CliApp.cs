using System.CommandLine;
using Interp.Cli.Commands;
using Interp.Core;

namespace Interp.Cli;

/// <summary>The <c>interp</c> command line: each verb is a thin layer over library code the web app also calls.</summary>
public static class CliApp
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Interp: GPT-2 with hook points, activation stores, sparse autoencoders, explanations and a browser UI.")
        {
            QuickstartCommand.Create(),
            TokenizeCommand.Create(),
            LogitsCommand.Create(),
            GenerateCommand.Create(),
            HooksCommand.Create(),
            TrainModelCommand.Create(),
            BenchCommand.Create(),
            HarvestCommand.Create(),
            StoreCommand.Create(),
            RecordsCommand.Create(),
            TrainSaeCommand.Create(),
            TrainTranscoderCommand.Create(),
            EvalSaeCommand.Create(),
            SaeCommand.Create(),
            ServeCommand.Create(),
            AutoInterpCommand.Create(),
            ScoreCommand.Create(),
            AttributeCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }

    /// <summary>
    /// Wraps a verb's body and returns the process's exit code: a user-facing failure, including a file system failure
    /// (its message names the path), is one line on stderr and exit code 1; anything unexpected is also one line (exit 2)
    /// unless INTERP_DEBUG=1 asks for the stack trace. No line carries an exception's type name.
    /// </summary>
    public static Func<ParseResult, int> Guard(Func<ParseResult, int> body) => Guard(new Dictionary<string, string>(), body);

    /// <summary>
    /// <see cref="Guard(Func{ParseResult, int})"/> for a verb over a library job: a refused option's message names the
    /// verb's flag (<paramref name="flags"/>: the options record's property → flag, then <see cref="CommonOptions.Flags"/>)
    /// instead of the option's meaning.
    /// </summary>
    public static Func<ParseResult, int> Guard(IReadOnlyDictionary<string, string> flags, Func<ParseResult, int> body) => parseResult =>
    {
        try
        {
            return body(parseResult);
        }
        catch (InvalidOptionException e)
        {
            Console.Error.WriteLine($"error: {e.MessageWith(name => flags.GetValueOrDefault(name) ?? CommonOptions.Flags.GetValueOrDefault(name))}");
            return 1;
        }
        catch (InterpException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && Environment.GetEnvironmentVariable("INTERP_DEBUG") != "1")
        {
            Console.Error.WriteLine($"error: {OneLine(e.Message)}");                        // .NET's I/O messages name the path
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("INTERP_DEBUG") != "1")
        {
            Console.Error.WriteLine($"error: unexpected failure: {OneLine(e.Message)} (set INTERP_DEBUG=1 for details)");
            return 2;
        }
    };

    private static string OneLine(string message) => message.Split('\n')[0].TrimEnd('\r');
}
