using System.Text.Json.Nodes;

namespace Interp.Notebooks.Tests;

/// <summary>The numbers a notebook cell printed, committed vs a fresh run: within a tolerance, timings and rates exempt.</summary>
public sealed class NumericOutputsTests
{
    private static JsonArray Stream(params string[] lines) =>
        [new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = new JsonArray(lines.Select(l => (JsonNode)(l + "\n")).ToArray()) }];

    [Fact]
    public void Numbers_that_agree_to_the_last_printed_digit_or_within_a_relative_tolerance_pass()
    {
        var committed = Stream("loss 5.3891 (Δ +0.0019), 7,259,008 parameters", "explained variance 0.8167, rank 47,046");
        var run = Stream("loss 5.3892 (Δ +0.0018), 7,259,008 parameters", "explained variance 0.8166, rank 47,050");

        Assert.Null(NumericOutputs.FirstDifference(committed, run));
    }

    [Fact]
    public void A_number_that_moved_past_the_tolerance_is_reported_with_its_line()
    {
        var committed = Stream("clean loss: 5.3891 nats/token", "correlation 0.925, R² 0.833");
        var run = Stream("clean loss: 5.3891 nats/token", "correlation 0.925, R² 0.851");

        var difference = NumericOutputs.FirstDifference(committed, run);

        Assert.NotNull(difference);
        Assert.Contains("line 2", difference);
        Assert.Contains("R² 0.851", difference);
    }

    [Fact]
    public void Timings_and_rates_are_exempt_but_the_numbers_beside_them_are_not()
    {
        var committed = Stream("320 steps, 327,680 tokens in 10.7 s; 20,525 tokens/s, 3 ms a step");
        var faster = Stream("320 steps, 327,680 tokens in 4.2 s; 51,002 tokens/s, 1 ms a step");
        var fewerSteps = Stream("300 steps, 327,680 tokens in 10.7 s; 20,525 tokens/s, 3 ms a step");

        Assert.Null(NumericOutputs.FirstDifference(committed, faster));
        Assert.NotNull(NumericOutputs.FirstDifference(committed, fewerSteps));
    }

    [Fact]
    public void Digits_inside_words_such_as_a_random_folder_name_are_not_numbers()
    {
        Assert.Empty(NumericOutputs.Numbers("deleted interp-notebook-sae-v3L1jR at blocks.2.hook_resid_pre"));
        Assert.Equal([(-4.766, 3), (65536, 0), (34.1, 1)], NumericOutputs.Numbers("clean -4.766 over 65,536 tokens, 34.1 %"));
    }

    [Fact]
    public void A_missing_or_extra_line_is_a_difference()
    {
        Assert.NotNull(NumericOutputs.FirstDifference(Stream("a 1", "b 2"), Stream("a 1")));
        Assert.NotNull(NumericOutputs.FirstDifference(Stream("a 1 2"), Stream("a 1")));
    }
}
