using Interp.AutoInterp.Explain;
using Interp.AutoInterp.Llm;
using Interp.Core.Records;

namespace Interp.AutoInterp.Simulate;

/// <summary>
/// Simulates with an LLM, one request per record (all of its tokens at once, temperature 0). With
/// <paramref name="logProbs"/> the request asks for the top log-probabilities of the answer's tokens and each
/// prediction is the expected value over the alternatives "0".."10" at that value (<see cref="LogProbReader.ExpectedValueAt"/>,
/// which also reads a "10" written as two tokens; falling back to the written number where it cannot tell); without, the written numbers are the predictions. A record written back with
/// different tokens counts as all zeros (<see cref="SequenceSimulation.Changed"/>); an answer with no record, or a
/// value that is not a number 0–10, throws <see cref="MalformedAnswerException"/>.
/// </summary>
public sealed class LlmSimulator(ILlmClient llm, bool logProbs) : ISimulator
{
    /// <inheritdoc />
    public string Name => logProbs ? "llm-logprobs" : "llm-text";

    /// <summary>The request for one record.</summary>
    public LlmRequest Request(Explanation explanation, IReadOnlyList<string> tokens) =>
        new(SimulatorPrompt.Build(explanation.Text, tokens), Temperature: 0, MaxTokens: 16 + 12 * tokens.Count + tokens.Sum(t => t.Length) / 2, LogProbs: logProbs);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SequenceSimulation>> SimulateAsync(Explanation explanation, IReadOnlyList<ActivationRecord> records, CancellationToken cancellationToken)
    {
        var results = new List<SequenceSimulation>(records.Count);
        foreach (var record in records)
        {
            var request = Request(explanation, record.Tokens);
            var response = await llm.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
            try
            {
                results.Add(Read(response, record.Tokens));
            }
            catch (MalformedAnswerException)
            {
                llm.Forget(request);
                throw;
            }
        }
        return results;
    }

    /// <summary>The simulation in <paramref name="response"/> for a record of <paramref name="tokens"/>.</summary>
    public static SequenceSimulation Read(LlmResponse response, IReadOnlyList<string> tokens)
    {
        var blocks = RecordFormat.Parse(response.Text);
        if (blocks.Count == 0)
            throw new MalformedAnswerException($"simulator answer has no {RecordFormat.Start}…{RecordFormat.End} record: '{LlmExplainer.Preview(response.Text)}'");
        var lines = blocks[0];
        if (lines.Count != tokens.Count) return SequenceSimulation.ChangedRecord(tokens.Count);
        for (var i = 0; i < lines.Count; i++)
            if (lines[i].Token.Trim() != RecordFormat.EscapeToken(tokens[i]).Trim())
                return SequenceSimulation.ChangedRecord(tokens.Count);

        var reader = response.LogProbs is { Count: > 0 } lp ? new LogProbReader(lp) : null;
        var expected = new float[tokens.Count];
        var distributions = reader is null ? null : new ValueDistribution[tokens.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            var written = lines[i].Number
                ?? throw new MalformedAnswerException($"simulator answer line {i + 1}: value '{lines[i].Value ?? "(none)"}' is not a number 0–10");
            expected[i] = (float)written;
            if (reader is null) continue;
            var valueStart = lines[i].ValueOffset + (lines[i].Value!.Length - lines[i].Value!.TrimStart().Length);
            if (reader.ExpectedValueAt(valueStart) is { } ev)
            {
                expected[i] = (float)ev.Expected;
                distributions![i] = new ValueDistribution(ev.Values, ev.Probabilities);
            }
            else distributions![i] = new ValueDistribution([(float)written], [1f]);
        }
        return new SequenceSimulation(expected, distributions);
    }
}
