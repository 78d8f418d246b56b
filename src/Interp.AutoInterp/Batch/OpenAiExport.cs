using System.Text.Json;
using System.Text.RegularExpressions;
using Interp.AutoInterp.Score;
using Interp.Core;

namespace Interp.AutoInterp.Batch;

/// <summary>
/// Writes finished units as JSON lines in the shape of OpenAI's released explanations
/// (<c>NeuronSimulationResults</c> → <c>scored_explanations</c> → <c>scored_simulation</c> →
/// <c>scored_sequence_simulations</c>, each object tagged with its <c>dataclass_name</c>): the unit id (layer and
/// index, plus the full <c>unit</c> string), the explanation (and the offline explainer's <c>pattern</c>), each scored record's tokens, true activations and expected
/// predictions with their distributions, and the scores.
/// </summary>
public static partial class OpenAiExport
{
    /// <summary>The export's file name inside the output folder.</summary>
    public const string FileName = "openai_explanations.jsonl";

    [GeneratedRegex(@"blocks\.(\d+)\.")]
    private static partial Regex Layer();

    /// <summary>
    /// Writes every ok unit with scored records in <paramref name="resultsPath"/> to <paramref name="path"/> (atomically,
    /// streaming); with <paramref name="lines"/>, only those lines (1-based; see <see cref="ResultsTally.KeptLines"/>).
    /// </summary>
    public static void Write(string resultsPath, string path, IReadOnlySet<int>? lines = null) =>
        Write(File.Exists(resultsPath)
            ? ResultsFile.ParseLines<UnitResult>(resultsPath).Where(l => l.Item is not null && (lines is null || lines.Contains(l.Number))).Select(l => l.Item!)
            : [], path);

    /// <summary>Writes every ok unit with scored records among <paramref name="results"/> to <paramref name="path"/> (atomically).</summary>
    public static void Write(IEnumerable<UnitResult> results, string path) =>
        AtomicFile.Write(path, tmp =>
        {
            using var stream = File.Create(tmp);
            foreach (var result in results.Where(r => r.Ok && r.Records is not null))
            {
                WriteLine(stream, result);
                stream.WriteByte((byte)'\n');
            }
        });

    private static void WriteLine(Stream stream, UnitResult r)
    {
        using var w = new Utf8JsonWriter(stream, ResultJson.Writer);
        var unit = Core.Records.UnitId.Parse(r.Unit);
        var layer = Layer().Match(unit.Source);
        w.WriteStartObject();
        w.WriteString("dataclass_name", "NeuronSimulationResults");
        w.WriteStartObject("neuron_id");
        w.WriteString("dataclass_name", "NeuronId");
        if (layer.Success) w.WriteNumber("layer_index", int.Parse(layer.Groups[1].Value));
        else w.WriteNull("layer_index");
        w.WriteNumber("neuron_index", unit.Index);
        w.WriteEndObject();
        w.WriteString("unit", r.Unit);
        w.WriteStartArray("scored_explanations");
        w.WriteStartObject();
        w.WriteString("dataclass_name", "ScoredExplanation");
        w.WriteString("explanation", r.Explanation);
        if (r.Pattern is { } pattern)
        {
            // Interp's addition: the offline explainer's rules with their values, which the sentence rounds to
            // "moderately"/"weakly"; `interp score` reads them back to simulate exactly as autointerp did.
            w.WritePropertyName("pattern");
            JsonSerializer.Serialize(w, pattern, ResultJson.Options);
        }
        w.WriteStartObject("scored_simulation");
        w.WriteString("dataclass_name", "ScoredSimulation");
        w.WriteStartArray("scored_sequence_simulations");
        var scaleSlope = (r.ScaleMax ?? 10) / 10;
        foreach (var record in r.Records!)
        {
            w.WriteStartObject();
            w.WriteString("dataclass_name", "ScoredSequenceSimulation");
            w.WriteStartObject("simulation");
            w.WriteString("dataclass_name", "SequenceSimulation");
            w.WriteStartArray("tokens");
            foreach (var token in record.Tokens) w.WriteStringValue(token);
            w.WriteEndArray();
            Numbers(w, "expected_activations", record.Simulated);
            w.WriteString("activation_scale", "simulated_normalized_activations");
            w.WriteStartArray("distribution_values");
            for (var i = 0; i < record.Simulated.Length; i++)
            {
                var d = record.Distributions is { } ds && i < ds.Count ? ds[i] : null;
                NumbersValue(w, d?.Values ?? [record.Simulated[i]]);
            }
            w.WriteEndArray();
            w.WriteStartArray("distribution_probabilities");
            for (var i = 0; i < record.Simulated.Length; i++)
            {
                var d = record.Distributions is { } ds && i < ds.Count ? ds[i] : null;
                NumbersValue(w, d?.Probabilities ?? [1f]);
            }
            w.WriteEndArray();
            w.WriteNull("uncalibrated_simulation");
            w.WriteEndObject();
            Numbers(w, "true_activations", record.True);
            var t = record.True.Select(v => (double)v).ToArray();
            var p = record.Simulated.Select(v => (double)v).ToArray();
            var mapped = p.Select(v => v * scaleSlope).ToArray();
            Score(w, "ev_correlation_score", SimulationScoring.Correlation(t, p));
            Score(w, "rsquared_score", SimulationScoring.RSquared(t, mapped));
            Score(w, "absolute_dev_explained_score", SimulationScoring.AbsoluteDeviationExplained(t, mapped));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        Score(w, "ev_correlation_score", r.Scores?.Correlation);
        Score(w, "rsquared_score", r.Scores?.RSquared);
        Score(w, "absolute_dev_explained_score", r.Scores?.AbsoluteDeviationExplained);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Numbers(Utf8JsonWriter w, string name, float[] values)
    {
        w.WritePropertyName(name);
        NumbersValue(w, values);
    }

    private static void NumbersValue(Utf8JsonWriter w, float[] values)
    {
        w.WriteStartArray();
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    private static void Score(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v) w.WriteNumber(name, Math.Round(v, 6));
        else w.WriteNull(name);
    }
}
