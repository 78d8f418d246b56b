using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>
/// The PyTorch peer for side-by-side speed (<c>peer_torch.py</c>: the SAE step written as SAELens writes it, dense TopK
/// scatter and dense decode, Adam; d_in 768, d_sae 16,384, batch 4,096, k 32), run as a child process with the same
/// thread count so that both are measured in the same minute. Only <c>interp bench</c> uses it; nothing else needs Python.
/// </summary>
internal static partial class PyTorchPeer
{
    /// <summary>The shape the peer script times: d_in, d_sae, batch, k.</summary>
    public static readonly (int DIn, int DSae, int Batch, int K) Shape = (768, 16_384, 4096, 32);

    /// <summary>The Python that runs the peer by default: Debian's, which python3-torch belongs to, when present.</summary>
    public static string DefaultPython => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Runs the peer and returns its SAE tokens/s by architecture (<c>topk</c>, <c>relu</c>).</summary>
    public static IReadOnlyDictionary<string, double> Run(string python, string script, int threads)
    {
        if (!File.Exists(script)) throw new InterpException($"--peer {script}: no such file");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InterpException($"--peer-python {python}: could not start it");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InterpException($"--peer-python {python}: could not start it ({e.Message})");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var rates = SaeLine().Matches(output).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
            if (process.ExitCode != 0 || rates.Count == 0)
            {
                var why = (error.Result.Trim().Split('\n').LastOrDefault() ?? "").Trim();
                throw new InterpException($"--peer {script}: exited with code {process.ExitCode} and no SAE figures{(why.Length > 0 ? $" ({why})" : "")}");
            }
            return rates;
        }
    }

    /// <summary>"SAE topk 768->16384 batch 4096 Adam: 786 tokens/s, …".</summary>
    [GeneratedRegex(@"^SAE (\w+) .*?: (\d+(?:\.\d+)?) tokens/s", RegexOptions.Multiline)]
    private static partial Regex SaeLine();
}
