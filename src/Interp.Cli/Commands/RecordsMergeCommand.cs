using System.CommandLine;
using Interp.Records;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp records merge --out DIR PART...</c>: join the N parts of a <c>records --shard K/N</c> job into the records
/// folder one machine would have written (as <c>interp store merge</c> joins a split harvest).
/// </summary>
public static class RecordsMergeCommand
{
    public static Command Create()
    {
        var parts = new Argument<string[]>("PART") { Description = "The records folders of a `records --shard K/N` job, one per part, in any order", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The merged records folder: records.db + manifest.json", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace finished records in --out" };
        var (json, quiet) = (CommonOptions.Json(), CommonOptions.Quiet());
        var command = new Command("merge", "Merge the N parts of a split records job into the records one machine would have written")
            { parts, output, overwrite, json, quiet };
        command.SetAction(CliApp.Guard(RecordsCommand.Flags, parse =>
        {
            var outDir = parse.GetValue(output)!;
            var result = ProgressDisplay.Run<Interp.Core.StageProgress, RecordsJobResult>("records merge", parse.GetValue(quiet), progress =>
                RecordsMerger.Merge(parse.GetValue(parts)!, outDir, parse.GetValue(overwrite), progress));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(w =>
                {
                    w.WriteString("records", result.DatabasePath);
                    w.WriteString("source", result.Manifest.Source);
                    w.WriteNumber("units", result.Manifest.UnitCount);
                    w.WriteNumber("bytes", result.Bytes);
                });
                return 0;
            }
            Console.WriteLine($"{result.Manifest.Source}: {result.Manifest.UnitCount:N0} units from {parse.GetValue(parts)!.Length} part(s), " +
                              $"{result.Bytes / 1e6:F1} MB → {result.DatabasePath}");
            return 0;
        }));
        return command;
    }
}
