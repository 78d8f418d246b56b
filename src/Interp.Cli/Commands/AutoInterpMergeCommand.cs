using System.CommandLine;
using System.Text.Json;
using Interp.AutoInterp.Batch;
using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp autointerp merge --out DIR PART...</c>: join the N parts of an <c>autointerp --shard K/N</c> run into the
/// results one machine would have written (results.jsonl in the unsplit order, summary.json, openai_explanations.jsonl).
/// </summary>
public static class AutoInterpMergeCommand
{
    public static Command Create()
    {
        var parts = new Argument<string[]>("PART") { Description = "The output folders of an `autointerp --shard K/N` run, one per part, in any order", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The merged output folder: results.jsonl, summary.json, openai_explanations.jsonl", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace results already in --out" };
        var (json, quiet) = (CommonOptions.Json(), CommonOptions.Quiet());
        var command = new Command("merge", "Merge the N parts of a split autointerp run into the results one machine would have written")
            { parts, output, overwrite, json, quiet };
        command.SetAction(CliApp.Guard(parse =>
        {
            var outDir = parse.GetValue(output)!;
            var summary = ProgressDisplay.Run<StageProgress, BatchSummary>("autointerp merge", parse.GetValue(quiet), progress =>
                AutoInterpMerger.Merge(parse.GetValue(parts)!, outDir, parse.GetValue(overwrite), progress));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(w =>
                {
                    w.WriteString("out", outDir);
                    w.WritePropertyName("summary");
                    JsonSerializer.Serialize(w, summary, ResultJson.Options);
                });
                return 0;
            }
            Console.WriteLine($"{summary.Units:N0} units from {parse.GetValue(parts)!.Length} part(s) → {Path.Combine(outDir, ResultsFile.FileName)}");
            foreach (var line in summary.Describe()) Console.WriteLine(line);
            return 0;
        }));
        return command;
    }
}
