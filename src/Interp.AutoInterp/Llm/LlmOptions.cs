using Interp.Core;

namespace Interp.AutoInterp.Llm;

/// <summary>
/// Where and how to reach an OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp server). Unset values
/// come from the environment: <c>INTERP_LLM_ENDPOINT</c> (default <c>https://api.openai.com/v1</c>),
/// <c>INTERP_LLM_MODEL</c>, and the key from <c>INTERP_LLM_API_KEY</c> or <c>OPENAI_API_KEY</c> (local servers need none).
/// </summary>
public sealed record LlmOptions
{
    /// <summary>Base URL of the API, ending in <c>/v1</c> for most servers.</summary>
    public required string Endpoint { get; init; }
    /// <summary>Model name sent with every request.</summary>
    public required string Model { get; init; }
    /// <summary>API key (bearer token), or null.</summary>
    public string? ApiKey { get; init; }
    /// <summary>A request that has not answered after this long is abandoned and retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);
    /// <summary>Attempts per request, the first included.</summary>
    public int MaxAttempts { get; init; } = 6;
    /// <summary>First back-off delay; it doubles each retry (with full jitter) up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest wait between attempts, <c>Retry-After</c> included.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Alternatives asked for at each generated token when log-probabilities are wanted.</summary>
    public int TopLogProbs { get; init; } = 15;
    /// <summary>Folder of the response cache (null: no cache).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Default endpoint when neither an option nor <c>INTERP_LLM_ENDPOINT</c> names one.</summary>
    public const string DefaultEndpoint = "https://api.openai.com/v1";

    /// <summary>Options from explicit values where given, else the environment; throws naming what is missing.</summary>
    public static LlmOptions Resolve(string? endpoint = null, string? model = null, string? apiKey = null)
    {
        endpoint ??= Env("INTERP_LLM_ENDPOINT") ?? DefaultEndpoint;
        model ??= Env("INTERP_LLM_MODEL") ?? throw Refuse(o => $"no LLM model: pass {o(ModelOption)} or set INTERP_LLM_MODEL");
        apiKey ??= Env("INTERP_LLM_API_KEY") ?? Env("OPENAI_API_KEY");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new InterpException($"LLM endpoint '{endpoint}': expected an http(s) URL such as http://127.0.0.1:8000/v1");
        return new LlmOptions { Endpoint = endpoint.TrimEnd('/'), Model = model, ApiKey = apiKey };
    }

    /// <summary>The option naming the endpoint (a job's property name), for <see cref="InvalidOptionException"/>s.</summary>
    public const string EndpointOption = "LlmEndpoint";

    /// <summary>The option naming the model (a job's property name), for <see cref="InvalidOptionException"/>s.</summary>
    public const string ModelOption = "LlmModel";

    /// <summary>The LLM options by meaning, for messages.</summary>
    public static string Meaning(string option) => option switch
    {
        EndpointOption => "the LLM endpoint option",
        ModelOption => "the LLM model option",
        _ => option,
    };

    /// <summary>An LLM option refused (or missing), named by <see cref="Meaning"/> unless a front end renames it.</summary>
    internal static InvalidOptionException Refuse(Func<Func<string, string>, string> message) => new(message, Meaning);

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
}
