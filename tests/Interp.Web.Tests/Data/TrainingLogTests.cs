using Interp.Web.Runs;
using Interp.Web.Tests.Support;

namespace Interp.Web.Tests.Data;

public sealed class TrainingLogTests
{
    [Fact]
    public void Reads_the_sae_trainers_snake_case_fields_against_step()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("log"), "training_log.jsonl");
        File.WriteAllLines(path,
        [
            """{"step":10,"total_steps":20,"tokens":100,"loss":2.5,"l0":31.5,"explained_variance":0.2,"dead_fraction":0,"lr":0.0004}""",
            """{"step":20,"total_steps":20,"tokens":200,"loss":1.5,"l0":30.0,"explained_variance":0.6,"dead_fraction":0.1,"lr":0.0004}""",
            """{"step":30,"loss":""",                                                                      // a line being written
        ]);

        var log = TrainingLog.Read(path);

        Assert.Equal([10.0, 20.0], log.Steps);
        Assert.Equal([2.5, 1.5], log.Series["loss"]);
        Assert.Equal([0.2, 0.6], log.Series["explained_variance"]);
        Assert.True(log.Has("l0"));
        Assert.False(log.Has("held_out_loss"));
    }

    [Fact]
    public void Reads_the_model_trainers_pascal_case_fields_with_nulls_as_gaps()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("log"), "training_log.jsonl");
        File.WriteAllLines(path,
        [
            """{"Step":10,"MaxSteps":20,"Loss":10.7,"HeldOutLoss":null}""",
            """{"Step":20,"MaxSteps":20,"Loss":9.5,"HeldOutLoss":9.9}""",
        ]);

        var log = TrainingLog.Read(path);

        Assert.Equal([10.0, 20.0], log.Steps);
        Assert.Equal([10.7, 9.5], log.Series["loss"]);
        Assert.True(double.IsNaN(log.Series["held_out_loss"][0]));
        Assert.Equal(9.9, log.Series["held_out_loss"][1]);
    }

    [Fact]
    public void Long_logs_are_thinned_to_the_asked_number_of_points_keeping_the_last()
    {
        var path = Path.Combine(TestPaths.NewTempFolder("log"), "training_log.jsonl");
        File.WriteAllLines(path, Enumerable.Range(1, 1001).Select(i => $$"""{"step":{{i}},"loss":{{i}}}"""));

        var log = TrainingLog.Read(path, maxPoints: 100);

        Assert.InRange(log.Steps.Length, 90, 102);
        Assert.Equal(1001, log.Steps[^1]);
        Assert.Equal(1001, log.Lines);
    }

    [Theory]
    [InlineData("HeldOutLoss", "held_out_loss")]
    [InlineData("explained_variance", "explained_variance")]
    [InlineData("L0", "l0")]
    [InlineData("TokensPerSecond", "tokens_per_second")]
    public void Field_names_are_normalised_to_snake_case(string name, string expected) => Assert.Equal(expected, TrainingLog.SnakeCase(name));
}
