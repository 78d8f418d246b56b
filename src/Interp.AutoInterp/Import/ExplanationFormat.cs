namespace Interp.AutoInterp.Import;

/// <summary>The formats <c>interp score</c> reads explanations in.</summary>
public enum ExplanationFormat
{
    /// <summary>Tell from the file or folder (<see cref="FormatDetector"/>).</summary>
    Auto,
    /// <summary>Interp's JSON lines: <c>{"unit": "blocks.1.mlp.hook_post/17", "explanation": "…", "source": "…"}</c> (autointerp's results.jsonl reads as this too).</summary>
    Interp,
    /// <summary>OpenAI's <c>NeuronSimulationResults</c> JSON lines (automated-interpretability's explanations.py; Interp's openai_explanations.jsonl).</summary>
    OpenAi,
    /// <summary>delphi's explanation folder: <c>&lt;module&gt;_latent&lt;N&gt;.txt</c>, each a JSON string.</summary>
    Delphi,
    /// <summary>Neuronpedia's explanation export: objects with <c>layer</c>, <c>index</c> and <c>description</c>, as JSON lines (plain or gzip) or one JSON array.</summary>
    Neuronpedia,
}

/// <summary>Names of <see cref="ExplanationFormat"/>s as the command line and messages write them.</summary>
public static class ExplanationFormats
{
    /// <summary>Every name, in the order messages list them.</summary>
    public static readonly IReadOnlyList<(string Name, ExplanationFormat Format)> All =
    [
        ("auto", ExplanationFormat.Auto), ("interp", ExplanationFormat.Interp), ("openai", ExplanationFormat.OpenAi),
        ("delphi", ExplanationFormat.Delphi), ("neuronpedia", ExplanationFormat.Neuronpedia),
    ];

    /// <summary>The name of <paramref name="format"/>.</summary>
    public static string NameOf(ExplanationFormat format) => All.First(f => f.Format == format).Name;
}
