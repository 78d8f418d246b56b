using System.Net;
using System.Net.Http.Headers;
using Interp.Core;

namespace Interp.AutoInterp.Llm;

/// <summary>The fail-fast check before a batch: is anything answering at the endpoint, and does it take the key?</summary>
public static class LlmEndpoint
{
    /// <summary>
    /// GETs <c>{endpoint}/models</c>: no answer (refused, unknown host, no reply within <paramref name="timeout"/>), or
    /// 401/403, throws one <see cref="InterpException"/> line; any other answer (404 included: some servers have no
    /// model list) counts as reachable.
    /// </summary>
    public static async Task EnsureReachableAsync(LlmOptions options, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, options.Endpoint.TrimEnd('/') + "/models");
        if (options.ApiKey is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            var reason = e.Message.Split('\n')[0];
            throw LlmOptions.Refuse(o => $"LLM endpoint {options.Endpoint} is unreachable: {reason} (set {o(LlmOptions.EndpointOption)} or INTERP_LLM_ENDPOINT)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw LlmOptions.Refuse(o => $"LLM endpoint {options.Endpoint} did not answer within {timeout.TotalSeconds:0.#} s (set {o(LlmOptions.EndpointOption)} or INTERP_LLM_ENDPOINT)");
        }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new InterpException($"LLM endpoint {options.Endpoint} refused the API key (HTTP {(int)response.StatusCode}); set INTERP_LLM_API_KEY or OPENAI_API_KEY");
        }
    }
}
