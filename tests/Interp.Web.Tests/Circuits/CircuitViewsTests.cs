using Interp.Circuits;
using Interp.Core;
using Interp.Model;
using Interp.Web.Charts;
using Interp.Web.Circuits;
using Interp.Web.Tests.Support;
using TorchSharp;

namespace Interp.Web.Tests.Circuits;

/// <summary>What the circuit pages compute on the model worker, on the embedded model: inputs read, views built, no tensor left behind.</summary>
public sealed class CircuitViewsTests : IDisposable
{
    private readonly Gpt2 _model = Gpt2.Load(TestPaths.DefaultModel);

    [Fact]
    public void A_token_box_takes_one_tokens_text_or_an_id_and_refuses_anything_else_in_one_line()
    {
        var mary = _model.RequireTokenizer().Encode(" Mary");
        Assert.Single(mary);
        Assert.Equal(mary[0], PromptInput.Token(_model, " Mary", "answer"));
        Assert.Equal(262, PromptInput.Token(_model, "#262", "answer"));

        var several = Assert.Throws<InterpException>(() => PromptInput.Token(_model, " Maryxyzzy", "answer"));
        Assert.StartsWith("the answer token \" Maryxyzzy\" is not one token of the vocabulary but ", several.Message, StringComparison.Ordinal);
        var outside = Assert.Throws<InterpException>(() => PromptInput.Token(_model, "#99999", "wrong"));
        Assert.Equal($"the wrong token id 99999 is outside the vocabulary (0–{_model.Config.VocabSize - 1})", outside.Message);
        var empty = Assert.Throws<InterpException>(() => PromptInput.Token(_model, "", "target"));
        Assert.StartsWith("the target token is empty", empty.Message, StringComparison.Ordinal);
        foreach (var e in new[] { several, outside, empty }) Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_prompt_is_encoded_after_the_bos_token_and_refused_when_empty_or_longer_than_the_limit()
    {
        Assert.Equal([Core.Tokenization.Gpt2Tokenizer.EndOfTextId, .. _model.RequireTokenizer().Encode("The cat")], PromptInput.Encode(_model, "The cat", 256));

        Assert.Equal("the clean prompt is empty; type some text", Assert.Throws<InterpException>(() => PromptInput.Encode(_model, "", 256, "clean prompt")).Message);
        var tooLong = Assert.Throws<InterpException>(() => PromptInput.Encode(_model, " a a a a", 4));
        Assert.StartsWith("the prompt is 5 tokens (with the BOS token); at most 4 fit", tooLong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dla_without_a_target_splits_the_models_top_prediction_and_leaves_no_tensor_behind()
    {
        const string text = "The cat sat on the";
        DlaView.Run(_model, text, "", null, 256);                                              // warm-up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var view = DlaView.Run(_model, text, "", null, 256);

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.True(view.IsTopPrediction);
        var lens = LogitLens.Run(_model, PromptInput.Encode(_model, text, 256), top: 1);
        Assert.Equal(lens.Layers[^1].TopIds[^1][0], view.Token);                              // the model's own top token at the last position
        Assert.Equal(view.Tokens.Length - 1, view.Position);
        Assert.Equal(view.Logit, view.Components.Sum(c => c.Value), 3);
        Assert.Throws<InterpException>(() => DlaView.Run(_model, text, "", 99, 256));
    }

    [Fact]
    public void Patching_refuses_prompts_of_different_lengths_and_the_same_answer_and_wrong_token_in_one_line()
    {
        var lengths = Assert.Throws<InterpException>(() => PatchView.Run(_model, "The cat sat", "The cat", " on", " in", PatchTarget.ResidPre, 256));
        Assert.Equal("the clean prompt is 4 tokens and the corrupt prompt 3; patching position by position needs the same number", lengths.Message);
        var same = Assert.Throws<InterpException>(() => PatchView.Run(_model, "The cat sat", "The dog sat", " on", " on", PatchTarget.ResidPre, 256));
        Assert.Equal("the answer and wrong tokens are the same (\" on\"); the logit difference needs two different tokens", same.Message);
    }

    [Fact]
    public void The_head_grid_tiles_every_head_of_every_layer_and_maps_a_click_back_to_its_head()
    {
        var view = AttentionView.Run(_model, "The cat sat on the mat.", 256);
        var t = view.Tokens.Length;
        var mosaic = HeadMosaic.For(view, layer: 0);
        Assert.Equal(new HeadMosaic(0, _model.Config.NLayer, _model.Config.NHead, t), mosaic);

        var (data, _) = mosaic.Plot(view);
        var z = (IList<object>)((Plotly.Blazor.Traces.HeatMap)Assert.Single(data)).Z!;
        Assert.Equal(_model.Config.NLayer * (t + 1) - 1, z.Count);
        var row = (double?[])z[1 * (t + 1) + 3];                                              // layer 1, query 3
        Assert.Equal(view.Layers[1].Patterns[2][3][1], (float)row[2 * (t + 1) + 1]!.Value);   // head 2, key 1
        Assert.Null(row[2 * (t + 1) + 4]);                                                     // key 4 is after query 3: masked
        Assert.Null(row[2 * (t + 1) + t]);                                                     // the gap between heads 2 and 3

        Assert.Equal((1, 2), mosaic.TileAt(1 * (t + 1) + 3, 2 * (t + 1) + 1));
        Assert.Null(mosaic.TileAt(t, 0));                                                      // on a gap
        Assert.Equal((0, 0), mosaic.TileAt(0, 0));
    }

    [Fact]
    public void Above_its_cell_budget_the_head_grid_shows_only_the_chosen_layer()
    {
        var view = new AttentionView(new string[200], [.. Enumerable.Range(0, 12).Select(l => new AttentionLayer(l, new float[12][][]))]);

        var mosaic = HeadMosaic.For(view, layer: 7);

        Assert.Equal(new HeadMosaic(7, 1, 12, 200), mosaic);
        Assert.Equal((7, 11), mosaic.TileAt(5, 11 * 201 + 5));
    }

    public void Dispose() => _model.Dispose();
}
