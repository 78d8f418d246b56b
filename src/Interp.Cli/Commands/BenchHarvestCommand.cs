using System.CommandLine;
using Interp.Core.Hooks;
using Interp.Core.Store;
using Interp.Model.Harvest;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>interp bench harvest</c>: forward-only and harvest throughput to the same hook measured side by side, the
/// storage overhead between them, and the reader's throughput over the harvested store.
/// </summary>
public static class BenchHarvestCommand
{
    public static Command Create()
    {
        var (model, device, json) = (CommonOptions.Model(), CommonOptions.Device(), CommonOptions.Json());
        var hook = new Option<string[]>("--hook") { Description = "Hook(s) to harvest (default: blocks.<n_layer/2>.hook_resid_pre)", AllowMultipleArgumentsPerToken = true };
        var batch = new Option<int>("--batch") { Description = "Contexts per forward pass", DefaultValueFactory = _ => HarvestOptions.DefaultBatchSize };
        var context = new Option<int>("--ctx") { Description = "Tokens per context", DefaultValueFactory = _ => ContextBuilder.DefaultCtx };
        var tokens = new Option<long?>("--tokens") { Description = "Tokens a round (default: about 3 s of forward work)" };
        var rounds = new Option<int>("--rounds") { Description = "Alternating forward/harvest rounds (best of each is kept)", DefaultValueFactory = _ => 3 };
        var float16 = new Option<bool>("--float16") { Description = "Store float16" };
        var command = new Command("harvest", "Harvest throughput against forward-only throughput to the same hook (storage overhead), and reader throughput")
            { model, device, hook, batch, context, tokens, rounds, float16, json };
        command.SetAction(CliApp.Guard(HarvestCommand.Flags, parse =>
        {
            var asJson = parse.GetValue(json);
            using var gpt2 = CommonOptions.LoadModel(parse.GetValue(model), parse.GetValue(device)!);
            var names = parse.GetValue(hook) is { Length: > 0 } given
                ? given.Select(h => HookName.Parse(h, gpt2.Config.NLayer)).ToArray()
                : [HookName.ResidPre(gpt2.Config.NLayer / 2)];
            var dtype = parse.GetValue(float16) ? ActivationDtype.Float16 : ActivationDtype.Float32;
            var r = HarvestBenchmark.Run(parse.GetValue(model) ?? "embedded default", gpt2, names, parse.GetValue(batch), parse.GetValue(context),
                parse.GetValue(tokens), dtype, Math.Max(1, parse.GetValue(rounds)), log: asJson ? null : Console.WriteLine);
            if (asJson)
            {
                JsonOutput.Write(w =>
                {
                    w.WriteString("model", r.Model);
                    w.WriteString("hooks", r.Hooks);
                    w.WriteNumber("d", r.D);
                    w.WriteString("dtype", r.Dtype);
                    w.WriteNumber("batch", r.Batch);
                    w.WriteNumber("ctx", r.Ctx);
                    w.WriteNumber("tokens", r.Tokens);
                    w.WriteNumber("forward_tokens_per_second", Math.Round(r.ForwardTokensPerSecond));
                    w.WriteNumber("harvest_tokens_per_second", Math.Round(r.HarvestTokensPerSecond));
                    w.WriteNumber("storage_overhead", Math.Round(r.StorageOverhead, 4));
                    w.WriteNumber("store_bytes", r.StoreBytes);
                    w.WriteNumber("read_tokens_per_second", Math.Round(r.ReadTokensPerSecond));
                    w.WriteNumber("read_megabytes_per_second", Math.Round(r.ReadMegabytesPerSecond, 1));
                    w.WriteNumber("read_first_pass_tokens_per_second", Math.Round(r.ReadFirstTokensPerSecond));
                    w.WriteNumber("read_in_order_tokens_per_second", Math.Round(r.ReadInOrderTokensPerSecond));
                });
                return 0;
            }
            double Mb(double tokensPerSecond) => tokensPerSecond * r.D * sizeof(float) / 1e6;
            Console.WriteLine($"{r.Model}: {r.Hooks} (d={r.D}, {r.Dtype}), batch {r.Batch} × ctx {r.Ctx}, {r.Tokens:N0} tokens a round");
            Console.WriteLine($"  forward only, to the hook      {r.ForwardTokensPerSecond,12:N0} tokens/s");
            Console.WriteLine($"  harvest, with storage          {r.HarvestTokensPerSecond,12:N0} tokens/s");
            Console.WriteLine($"  storage overhead               {r.StorageOverhead,12:P1}   (1 − harvest/forward; goal ≤ 10%)");
            Console.WriteLine($"  store on disk                  {r.StoreBytes / 1e6,12:F1} MB  ({(double)r.StoreBytes / r.Tokens:F0} bytes a token)");
            Console.WriteLine($"  read, shuffled, first pass     {r.ReadFirstTokensPerSecond,12:N0} tokens/s  {Mb(r.ReadFirstTokensPerSecond),8:N0} MB/s  (opens and SHA-256-checks each shard)");
            Console.WriteLine($"  read, shuffled                 {r.ReadTokensPerSecond,12:N0} tokens/s  {r.ReadMegabytesPerSecond,8:N0} MB/s  (batches of 4096, 128 MiB shuffle buffer)");
            Console.WriteLine($"  read, in order                 {r.ReadInOrderTokensPerSecond,12:N0} tokens/s  {r.ReadInOrderMegabytesPerSecond,8:N0} MB/s");
            return 0;
        }));
        return command;
    }
}
