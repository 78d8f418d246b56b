using Interp.Circuits;
using Interp.Circuits.Attribution;
using Interp.Core;
using Interp.Core.Tokenization;
using Interp.Web.ModelWorker;

namespace Interp.Web.Graph;

/// <summary>A prompt's attribution graph, computed on the model worker (never on a circuit's thread).</summary>
public static class GraphInference
{
    /// <summary>Builds the pruned graph of <paramref name="request"/> (on the worker thread).</summary>
    /// <exception cref="InterpException">An empty or too long prompt, or transcoders that do not fit the model.</exception>
    public static AttributionGraph Run(ModelSession session, GraphRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Transcoders.Count == 0) throw new InterpException("this run has no transcoders (RUN/transcoders/layer-L/)");
        var prompt = session.Tokenizer.Encode(request.Prompt);
        if (prompt.Length == 0) throw new InterpException("type a prompt first");
        if (prompt.Length > request.MaxTokens)
            throw new InterpException($"the prompt is {prompt.Length:N0} tokens; the graph page takes at most {request.MaxTokens:N0}");
        int[] ids = [Gpt2Tokenizer.EndOfTextId, .. prompt];
        var model = session.ModelFor(request.Transcoders[0]);
        var transcoders = session.Transcoders(request.Transcoders);
        cancellationToken.ThrowIfCancellationRequested();
        var graph = AttributionGraphBuilder.Build(model, transcoders, ids, new AttributionOptions());
        return graph.Tokens.Count == ids.Length ? graph : graph with { Tokens = session.Tokenizer.TokenStrings(ids) };
    }
}
