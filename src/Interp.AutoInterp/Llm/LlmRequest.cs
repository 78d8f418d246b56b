using System.Security.Cryptography;
using System.Text.Json;

namespace Interp.AutoInterp.Llm;

/// <summary>One chat message: <c>system</c>, <c>user</c> or <c>assistant</c>.</summary>
public sealed record LlmMessage(string Role, string Content);

/// <summary>One chat completion request: messages, sampling temperature, answer length, and whether to ask for log-probabilities.</summary>
public sealed record LlmRequest(IReadOnlyList<LlmMessage> Messages, double Temperature, int MaxTokens, bool LogProbs = false)
{
    /// <summary>
    /// The response-cache key: SHA-256 (hex) of the model, the messages and every setting that changes the answer.
    /// </summary>
    public string CacheKey(string model, int topLogProbs)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteNumber("temperature", Temperature);
            w.WriteNumber("max_tokens", MaxTokens);
            w.WriteNumber("top_logprobs", LogProbs ? topLogProbs : 0);
            w.WriteStartArray("messages");
            foreach (var m in Messages)
            {
                w.WriteStartObject();
                w.WriteString("role", m.Role);
                w.WriteString("content", m.Content);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>All messages' text, for error messages and tests.</summary>
    public override string ToString() => string.Join("\n", Messages.Select(m => $"[{m.Role}] {m.Content}"));
}
