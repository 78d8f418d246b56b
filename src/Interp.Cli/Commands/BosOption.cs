using System.CommandLine;
using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>
/// <c>--no-prepend-bos</c> and <c>--prepend-bos</c>: contexts start with &lt;|endoftext|&gt; by default, as TransformerLens
/// (<c>prepend_bos=True</c>) and SAELens's activation stores do; <c>--prepend-bos</c> is still accepted and changes nothing.
/// </summary>
internal sealed class BosOption
{
    private BosOption(Option<bool> on, Option<bool> off) => (On, Off) = (on, off);

    /// <summary><c>--prepend-bos</c>, kept for scripts written before BOS became the default.</summary>
    public Option<bool> On { get; }

    /// <summary><c>--no-prepend-bos</c>.</summary>
    public Option<bool> Off { get; }

    /// <summary>The pair; <paramref name="whenOn"/> and <paramref name="whenOff"/> end their descriptions in brackets.</summary>
    public static BosOption Create(string whenOn = "the default; kept for old scripts",
        string whenOff = "by default every context starts with it, as in TransformerLens") => new(
        new Option<bool>("--prepend-bos") { Description = $"Start every context with <|endoftext|> ({whenOn})" },
        new Option<bool>("--no-prepend-bos") { Description = $"Do not start contexts with <|endoftext|> ({whenOff})" });

    /// <summary>True or false when one flag was given; null when neither was (the verb's default applies).</summary>
    /// <exception cref="InterpException">Both were given.</exception>
    public bool? Read(ParseResult parse)
    {
        var (on, off) = (parse.GetValue(On), parse.GetValue(Off));
        if (on && off) throw new InterpException("--prepend-bos and --no-prepend-bos: give one or the other");
        return on ? true : off ? false : null;
    }
}
