namespace Interp.Model.Training;

/// <summary>
/// Count-based baselines a language model must beat, scored on exactly the (previous token, target) pairs of the
/// held-out windows: a unigram with add-one smoothing over the whole vocabulary, and a bigram interpolated with that
/// unigram, its weight λ chosen on the held-out set itself (the baseline's best case).
/// </summary>
public sealed record NGramBaselines(double UnigramLoss, double BigramLoss, double BigramLambda)
{
    /// <param name="train">training tokens.</param>
    /// <param name="pairs">(previous, target) pairs to score; previous is -1 at a window's first position (unigram only).</param>
    /// <param name="vocabSize">vocabulary size for add-one smoothing.</param>
    public static NGramBaselines Compute(ReadOnlySpan<int> train, IReadOnlyList<(int Previous, int Target)> pairs, int vocabSize)
    {
        var unigram = new long[vocabSize];
        foreach (var t in train) unigram[t]++;
        var bigram = new Dictionary<long, int>();
        for (var i = 1; i < train.Length; i++)
        {
            var key = (long)train[i - 1] * vocabSize + train[i];
            bigram[key] = bigram.GetValueOrDefault(key) + 1;
        }
        var trainLength = train.Length;
        double Unigram(int t) => (unigram[t] + 1.0) / (trainLength + vocabSize);

        var unigramLoss = pairs.Average(p => -Math.Log(Unigram(p.Target)));
        var (bestLoss, bestLambda) = (double.MaxValue, 0.0);
        for (var lambda = 0.05; lambda < 0.999; lambda += 0.05)
        {
            var loss = pairs.Average(p =>
            {
                var context = p.Previous < 0 ? 0 : unigram[p.Previous];
                var pBigram = context == 0 ? 0 : bigram.GetValueOrDefault((long)p.Previous * vocabSize + p.Target) / (double)context;
                var weight = context == 0 ? 0 : lambda;
                return -Math.Log(weight * pBigram + (1 - weight) * Unigram(p.Target));
            });
            if (loss < bestLoss) (bestLoss, bestLambda) = (loss, lambda);
        }
        return new NGramBaselines(unigramLoss, bestLoss, Math.Round(bestLambda, 2));
    }
}
