using Interp.Core.Tokenization;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Interp.Model.Tests;

/// <summary>The real 124M GPT-2, loaded once per class (lazily, so skipped tests load nothing).</summary>
public sealed class RealGpt2 : IDisposable
{
    private readonly Lazy<Gpt2> _model = new(() => Gpt2.Load(Directory));

    public static string Directory => Environment.GetEnvironmentVariable(FactRequiringGpt2Attribute.Variable)!;

    public Gpt2 Model => _model.Value;

    public void Dispose()
    {
        if (_model.IsValueCreated) _model.Value.Dispose();
    }
}

/// <summary>
/// Published reference numbers for Hugging Face's <c>gpt2</c>; these run only when <c>GPT2_DIR</c> points at that folder.
/// </summary>
public sealed class RealGpt2Tests(RealGpt2 gpt2) : IClassFixture<RealGpt2>
{
    [FactRequiringGpt2]
    public void Gpt2_mean_loss_on_hello_world_matches_TransformerLens_within_1e_4()
    {
        // TransformerLens's acceptance test: loss of "<|endoftext|>Hello world!" is 5.331855773925781.
        using var noGrad = no_grad();
        long[] ids = [50256, 15496, 995, 0];
        using var tokens = T.Tokens([ids]);
        using var logits = gpt2.Model.Run(tokens);                                       // (1, 4, V)
        using var targets = tensor(ids[1..], dtype: ScalarType.Int64);
        using var loss = F.cross_entropy(logits[0, ..^1], targets);
        Assert.Equal(5.331855773925781, loss.item<float>(), 1e-4);
    }

    [FactRequiringGpt2]
    public void Gpt2_greedy_generation_from_The_dog_matches_Hugging_Face()
    {
        // transformers' GPT-2 greedy-generation integration test: "The dog was found in a field near the intersection of West and West Streets."
        var output = Generation.Generate(gpt2.Model, [464, 3290], new GenerationOptions(MaxNewTokens: 18));
        Assert.Equal([464, 3290, 373, 1043, 287, 257, 2214, 1474, 262, 16246, 286, 2688, 290, 2688, 27262, 13, 198, 198, 464, 3290], output);
    }

    [FactRequiringGpt2]
    public void Gpt2_folder_tokenizer_encodes_the_reference_sentence()
    {
        var tokenizer = Gpt2Tokenizer.FromDirectory(RealGpt2.Directory);
        Assert.Equal([15496, 995, 11, 428, 318, 402, 11571, 12, 17, 13], tokenizer.Encode("Hello world, this is GPT-2."));
        Assert.Equal("Hello world, this is GPT-2.", tokenizer.Decode([15496, 995, 11, 428, 318, 402, 11571, 12, 17, 13]));
        Assert.NotNull(gpt2.Model.Tokenizer);
        Assert.Equal(50257, gpt2.Model.Config.VocabSize);
    }
}
