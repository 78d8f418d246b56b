using System.Runtime.InteropServices;
using Interp.Core;
using Interp.Core.Safetensors;
using static TorchSharp.torch;

namespace Interp.Sae;

/// <summary>
/// An SAE training run's checkpoint (<c>OUT/checkpoint</c>, swapped in whole by <see cref="CheckpointFolder"/>): the
/// SAE in SAELens layout with what resuming needs exactly, the Adam state (<c>optimizer.bin</c>), the dead-latent
/// counters (<c>trainer_state.safetensors</c>) and the step, tokens and options fingerprint (<c>state.json</c>).
/// </summary>
internal sealed class SaeCheckpoint(string directory)
{
    private const string OptimizerFileName = "optimizer.bin";
    private const string TrainerStateFileName = "trainer_state.safetensors";
    private const string StepsSinceFiredKey = "steps_since_fired";

    private readonly CheckpointFolder _folder = new(directory, "SAE");

    /// <summary>Writes <paramref name="state"/> into a staging folder, then swaps it in whole.</summary>
    /// <exception cref="InterpException">The SAE has NaN/Inf weights, or the disk refused.</exception>
    public void Save(SaeRunState state, string fingerprint) =>
        _folder.Save(new SaeCheckpointState(state.Step, state.Tokens, fingerprint), staging =>
        {
            state.Sae.Save(staging, checkpoint: true);                                          // refuses NaN/Inf
            state.Optimizer.save_state_dict(Path.Combine(staging, OptimizerFileName));
            long[] sinceFired;
            using (NewDisposeScope()) sinceFired = state.StepsSinceFired.cpu().data<long>().ToArray();
            SafetensorsWriter.Write(Path.Combine(staging, TrainerStateFileName),
                [new SafetensorsWriter.Entry(StepsSinceFiredKey, SafetensorsDtype.I64, [sinceFired.Length], MemoryMarshal.AsBytes(sinceFired.AsSpan()).ToArray())]);
        });

    /// <summary>The state of the newest complete checkpoint made under <paramref name="fingerprint"/>, or null for a fresh run.</summary>
    /// <param name="fingerprint">This run's options fingerprint.</param>
    /// <param name="device">Where the SAE and counters go.</param>
    /// <param name="createOptimizer">Builds the optimizer over the loaded SAE's parameters; its state is then loaded.</param>
    /// <exception cref="InterpException">The checkpoint is damaged or was made under other options.</exception>
    public SaeRunState? TryLoad(string fingerprint, Device device, Func<SparseAutoencoder, TorchSharp.Modules.Adam> createOptimizer)
    {
        var latest = _folder.FindLatest<SaeCheckpointState>(fingerprint);
        if (latest is null) return null;
        var (dir, checkpoint) = latest.Value;
        var sae = SparseAutoencoder.Load(dir, device);
        try
        {
            var optimizer = createOptimizer(sae);
            optimizer.load_state_dict(Path.Combine(dir, OptimizerFileName));
            long[] sinceFired;
            using (var file = SafetensorsFile.Open(Path.Combine(dir, TrainerStateFileName)))
                sinceFired = MemoryMarshal.Cast<byte, long>(file.GetBytes(StepsSinceFiredKey)).ToArray();
            if (sinceFired.Length != sae.DSae)
                throw new InterpException($"{dir}/{TrainerStateFileName}: {StepsSinceFiredKey} has {sinceFired.Length} entries, expected d_sae={sae.DSae}");
            return new SaeRunState(sae, optimizer, tensor(sinceFired, device: device), checkpoint.Step, checkpoint.Tokens);
        }
        catch
        {
            sae.Dispose();
            throw;
        }
    }

    /// <summary><c>state.json</c>: names as declared (PascalCase), as checkpoints have always been written.</summary>
    private sealed record SaeCheckpointState(int Step, long Tokens, string Fingerprint) : ICheckpointState;
}
