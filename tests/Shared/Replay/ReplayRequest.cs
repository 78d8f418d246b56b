using Interp.AutoInterp.Llm;

namespace Interp.Tests.Shared;

/// <summary>A chat completion request as the <see cref="ReplayServer"/> received it (<see cref="Number"/> counts from 1).</summary>
public sealed record ReplayRequest(int Number, string Model, IReadOnlyList<LlmMessage> Messages, bool LogProbs, int TopLogProbs, double? Temperature)
{
    /// <summary>The last user message.</summary>
    public string LastUserMessage => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";

    /// <summary>The system message, or "".</summary>
    public string SystemMessage => Messages.FirstOrDefault(m => m.Role == "system")?.Content ?? "";
}
