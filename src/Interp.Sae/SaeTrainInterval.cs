namespace Interp.Sae;

/// <summary>Sums of step outputs between two reports.</summary>
internal sealed class SaeTrainInterval
{
    private double _loss, _mse, _sparsity, _aux, _l0, _ev;
    private long _rows;

    public int Steps { get; private set; }

    public void Add(SaeStepOutput o, int rows)
    {
        (_loss, _mse, _sparsity, _aux, _l0, _ev) = (_loss + o.Loss, _mse + o.Mse, _sparsity + o.SparsityLoss, _aux + o.AuxLoss, _l0 + o.L0, _ev + o.ExplainedVariance);
        _rows += rows;
        Steps++;
    }

    public SaeTrainProgress Report(int step, int total, long tokens, double deadFraction, double lr, double coefficient, double seconds)
    {
        var n = Math.Max(1, Steps);
        return new SaeTrainProgress(step, total, tokens, _loss / n, _mse / n, _sparsity / n, _aux / n, _l0 / n, _ev / n,
            deadFraction, lr, coefficient, seconds > 0 ? _rows / seconds : 0);
    }
}
