namespace Interp.Cli.Tests.Circuits;

/// <summary>Bad input to the circuit verbs: one <c>error:</c> line naming the flag and value, exit code 1.</summary>
public sealed class CircuitBadInputTests
{
    private static string Error(params string[] args) => InterpProcess.Run([.. args, "--threads", "1"]).ErrorLine;

    [Fact]
    public void A_prompt_that_is_empty_too_long_missing_or_given_twice_is_refused()
    {
        Assert.Equal("error: --prompt: the prompt is empty; give some text", Error("logit-lens", "--prompt", ""));
        Assert.Equal("error: --ids: 300 tokens is longer than this model's n_positions=256",
            Error("attention", "--ids", string.Join(',', Enumerable.Repeat(13, 300))));
        Assert.Equal("error: --ids: token id 50257 at position 1 is out of range for vocab_size=50257", Error("logit-lens", "--ids", "13,50257"));
        Assert.Equal("error: give the prompt as --ids 1,2,3 or --prompt TEXT", Error("attention"));
        Assert.Equal("error: --ids and --prompt: give one or the other", Error("logit-lens", "--ids", "1", "--prompt", "x"));
        Assert.Equal("error: --prepend-bos and --no-prepend-bos apply to text (--prompt); --ids are used as given",
            Error("logit-lens", "--ids", "1", "--no-prepend-bos"));
        Assert.Equal("error: --top 0: must be between 1 and vocab_size=50257", Error("logit-lens", "--ids", "1", "--top", "0"));
    }

    [Fact]
    public void A_token_that_is_not_one_token_a_position_or_a_layer_out_of_range_is_refused()
    {
        Assert.Equal("error: --token ' Paris France': not a single token (it encodes to 2 tokens: 6342, 4881); give a token id or one token's text, e.g. ' Paris' with its leading space",
            Error("dla", "--ids", "464,3797", "--token", " Paris France"));
        Assert.Equal("error: --token 60000: out of range for vocab_size=50257", Error("dla", "--ids", "464,3797", "--token", "60000"));
        Assert.Equal("error: --position 2: must be between 0 and 1 (the prompt has 2 tokens)", Error("dla", "--ids", "464,3797", "--token", "13", "--position", "2"));
        Assert.Equal("error: --layer 4: must be between 0 and 3 (the model has 4 layers)", Error("attention", "--ids", "464,3797", "--layer", "4"));
    }

    [Fact]
    public void Patch_refuses_prompts_of_different_lengths_the_same_answer_and_wrong_token_and_an_unknown_hook()
    {
        Assert.Equal("error: --clean-prompt (4 tokens) and --corrupt (2 tokens) must have the same length",
            Error("patch", "--clean-prompt", "The cat sat", "--corrupt", "464,3797", "--answer", "13", "--wrong", "11", "--hook", "z"));
        Assert.Equal("error: --answer and --wrong are both 13: the logit difference needs two different tokens",
            Error("patch", "--clean", "464,3797", "--corrupt", "464,3290", "--answer", "13", "--wrong", "13", "--hook", "z"));
        Assert.Equal("error: --hook 'resid_mid': expected one of resid_pre, attn_out, mlp_out, z",
            Error("patch", "--clean", "464,3797", "--corrupt", "464,3290", "--answer", "13", "--wrong", "11", "--hook", "resid_mid"));
    }
}
