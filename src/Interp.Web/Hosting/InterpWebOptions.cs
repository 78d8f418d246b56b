using Interp.Core;

namespace Interp.Web.Hosting;

/// <summary>What <c>interp serve</c> serves and how: the runs folder, the model for live inference and steering, where to
/// listen, the access token, and the limits that keep one browser from hogging the model.</summary>
public sealed record InterpWebOptions
{
    /// <summary>The default address: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5000";

    /// <summary>The environment variable that supplies the access token when <c>--token</c> is not given.</summary>
    public const string TokenVariable = "INTERP_TOKEN";

    /// <summary>Folder holding one subfolder per run (<c>runs/&lt;name&gt;/{activations,sae,records,autointerp}</c>), or one run folder itself.</summary>
    public string RunsDirectory { get; init; } = "runs";

    /// <summary>Model folder (Hugging Face GPT-2 layout), already resolved; null: the embedded default model.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>TransformerLens weight processing for the live model; null: none, or what an SAE's cfg.json asks for.</summary>
    public TlProcessing? Processing { get; init; }

    /// <summary>TorchSharp device for the model worker: <c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Addresses to listen on, separated by <c>;</c> (ASP.NET Core's <c>--urls</c> form). Port 0 picks a free port.</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>Access token required on every request when set (query string <c>?token=</c> once, then a cookie; or a bearer header).</summary>
    public string? Token { get; init; }

    /// <summary>Longest text the live and steering pages accept, in characters.</summary>
    public int MaxInputChars { get; init; } = 2000;

    /// <summary>Most tokens a live request runs (and most prompt tokens for steering); never more than the model's context.</summary>
    public int MaxInputTokens { get; init; } = 256;

    /// <summary>Model requests (live runs, generations) one browser circuit may make per minute.</summary>
    public int RequestsPerMinute { get; init; } = 30;

    /// <summary>Most prompt tokens the graph page accepts (an attribution graph grows with the square of the prompt).</summary>
    public int MaxGraphTokens { get; init; } = 32;

    /// <summary>Most new tokens a steering request generates.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Units (columns) of the live token × unit heatmap.</summary>
    public int LiveTopUnits { get; init; } = 24;

    /// <summary>Requests the model worker queues before it refuses more (each circuit has at most one in flight).</summary>
    public int WorkerQueueLength { get; init; } = 64;
}
