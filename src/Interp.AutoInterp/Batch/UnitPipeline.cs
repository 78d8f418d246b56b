using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Score;
using Interp.AutoInterp.Simulate;
using Interp.Core.Records;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// Explain → simulate → score for one unit: split its records (OpenAI), explain from the train split, simulate the
/// valid split (top and random 1:1) and score it (correlation, R², deviation; calibrated on the calibration split when
/// asked), then delphi's detection and fuzzing on windows the explainer did not see.
/// </summary>
public sealed class UnitPipeline(IExplainer explainer, ISimulator simulator, IJudge? judge, PipelineOptions options)
{
    /// <summary>The explainer.</summary>
    public IExplainer Explainer => explainer;
    /// <summary>The simulator.</summary>
    public ISimulator Simulator => simulator;
    /// <summary>The judge (null when neither detection nor fuzzing is asked for).</summary>
    public IJudge? Judge => judge;
    /// <summary>The options.</summary>
    public PipelineOptions Options => options;

    /// <summary>The unit's result (status ok); exceptions (LLM failures, malformed answers) propagate to the caller.</summary>
    public async Task<UnitResult> RunAsync(UnitRecord unit, CancellationToken cancellationToken)
    {
        var splits = RecordSplits.Of(unit, options.ExamplesPerSplit);
        var explanation = await explainer.ExplainAsync(unit, splits.Train, cancellationToken).ConfigureAwait(false);
        return await ScoreAsync(unit, splits, explanation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Simulates and scores <paramref name="explanation"/> (one written elsewhere) on the unit's held-out records exactly as
    /// <see cref="RunAsync"/> scores its own: the same splits, seeds, simulator, judge and scorers. Exceptions propagate.
    /// </summary>
    public Task<UnitResult> ScoreAsync(UnitRecord unit, Explanation explanation, CancellationToken cancellationToken) =>
        ScoreAsync(unit, RecordSplits.Of(unit, options.ExamplesPerSplit), explanation, cancellationToken);

    private async Task<UnitResult> ScoreAsync(UnitRecord unit, RecordSplits splits, Explanation explanation, CancellationToken cancellationToken)
    {
        var scaleMax = (double)Discretisation.MaxActivation(splits.Train);
        if (!(scaleMax > 0)) scaleMax = unit.MaxActivation > 0 ? unit.MaxActivation : 1;

        ResultScores? scores = null;
        List<ScoredRecordResult>? records = null;
        ClassificationScores? detection = null, fuzzing = null;
        List<JudgedSample>? detectionSamples = null, fuzzingSamples = null;

        if (options.Scorers.HasFlag(ScorerKinds.Correlation))
        {
            var scored = splits.Scored;
            var simulations = await simulator.SimulateAsync(explanation, scored.Select(s => s.Record).ToList(), cancellationToken).ConfigureAwait(false);
            var truth = scored.Select(s => s.Record.Activations).ToList();
            var predicted = simulations.Select(s => s.Expected).ToList();
            var raw = SimulationScoring.Score(truth, predicted, 0, scaleMax / 10);
            CalibratedScores? calibrated = null;
            if (options.Calibrate)
            {
                var calibration = splits.CalibrationSet;
                var calibrationSims = await simulator.SimulateAsync(explanation, calibration.Select(s => s.Record).ToList(), cancellationToken).ConfigureAwait(false);
                var line = LinearCalibration.Fit(calibration.Select(s => s.Record.Activations).ToList(), calibrationSims.Select(s => s.Expected).ToList());
                calibrated = line is { } l
                    ? Calibrated(SimulationScoring.Score(truth, predicted, l.Intercept, l.Slope))
                    : new CalibratedScores(null, null, null, null);
            }
            scores = new ResultScores(raw.Correlation, raw.RSquared, raw.AbsoluteDeviationExplained, calibrated, null, null);
            records = scored.Select((s, i) => new ScoredRecordResult(
                s.Kind == ScoredRecordKind.Top ? "top" : "random", s.Record.Context, s.Record.Start, s.Record.Tokens, s.Record.Activations,
                simulations[i].Expected, simulations[i].Changed, simulations[i].Distributions)).ToList();
        }

        var seed = StableSeed.Of(unit.Id.ToString());
        if (judge is not null && options.Scorers.HasFlag(ScorerKinds.Detection))
        {
            var samples = DelphiSampler.Detection(unit, splits.Train, options.DelphiPerClass, options.DelphiWindowTokens, seed);
            var result = await DelphiScoring.ScoreAsync(judge, explanation, samples, DelphiTask.Detection, cancellationToken).ConfigureAwait(false);
            detection = result.Scores;
            detectionSamples = Judged(result, marks: false);
        }
        if (judge is not null && options.Scorers.HasFlag(ScorerKinds.Fuzzing))
        {
            var samples = DelphiSampler.Fuzzing(unit, splits.Train, options.DelphiPerClass, options.DelphiWindowTokens, seed + 1);
            var result = await DelphiScoring.ScoreAsync(judge, explanation, samples, DelphiTask.Fuzzing, cancellationToken).ConfigureAwait(false);
            fuzzing = result.Scores;
            fuzzingSamples = Judged(result, marks: true);
        }
        if (detection is not null || fuzzing is not null)
            scores = (scores ?? new ResultScores(null, null, null, null, null, null)) with { Detection = detection, Fuzzing = fuzzing };

        return new UnitResult
        {
            Unit = unit.Id.ToString(),
            Status = "ok",
            Explainer = explainer.Name,
            Simulator = options.Scorers.HasFlag(ScorerKinds.Correlation) ? simulator.Name : null,
            Judge = detection is not null || fuzzing is not null ? judge?.Name : null,
            Explanation = explanation.Text,
            Pattern = explanation.Pattern,
            Density = unit.TokensSeen > 0 ? unit.Density : null,
            ScaleMax = scaleMax,
            Scores = scores,
            Records = records,
            Detection = detectionSamples,
            Fuzzing = fuzzingSamples,
        };
    }

    private static CalibratedScores Calibrated(SimulationScores s) => new(s.RSquared, s.AbsoluteDeviationExplained, s.Intercept, s.Slope);

    private static List<JudgedSample> Judged(DelphiResult result, bool marks) =>
        result.Samples.Select((s, i) => new JudgedSample(s.Activating, s.Truth, result.Judgements[i].Says, result.Judgements[i].Probability, marks ? s.Marks : null)).ToList();
}
