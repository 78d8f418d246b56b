using Interp.Core;
using Interp.Web.Graph;
using Interp.Web.ModelWorker;
using Interp.Web.Tests.Support;
using TorchSharp;

namespace Interp.Web.Tests.Model;

/// <summary>The graph page's model work (<see cref="GraphInference"/>) on a <see cref="ModelSession"/>, on this thread, over <see cref="TranscoderRun"/>'s transcoders.</summary>
public sealed class GraphInferenceTests
{
    private static GraphRequest Request(string prompt) =>
        new(prompt, TranscoderFolders.Of(TranscoderRun.Shared.RunFolder).Select(t => t.Folder).ToArray(), MaxTokens: 32);

    [Fact]
    public void A_prompts_graph_starts_with_a_bos_and_reuses_the_loaded_transcoders_and_leaves_no_tensor_behind()
    {
        using var session = new ModelSession(TestPaths.DefaultModel, "cpu");
        var request = Request("The king is dead");
        var first = GraphInference.Run(session, request, CancellationToken.None);                     // warm-up: loads the model and transcoders
        var transcoders = session.Transcoders(request.Transcoders);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 3; i++) GraphInference.Run(session, request, CancellationToken.None);

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Same(transcoders, session.Transcoders(request.Transcoders));
        Assert.Equal(["<|endoftext|>", "The", " king", " is", " dead"], first.Tokens);
        Assert.Contains(first.Nodes, n => n.Kind == Interp.Circuits.GraphNodeKind.Feature);
        Assert.Equal(TranscoderRun.Shared.Layers, request.Transcoders.Count);
    }

    [Fact]
    public void A_prompt_longer_than_the_limit_is_refused_in_one_line_naming_both_counts()
    {
        using var session = new ModelSession(TestPaths.DefaultModel, "cpu");

        var e = Assert.Throws<InterpException>(() => GraphInference.Run(session, Request(string.Join(' ', Enumerable.Repeat("word", 40))), CancellationToken.None));

        Assert.Equal("the prompt is 40 tokens; the graph page takes at most 32", e.Message);
    }
}
