namespace Interp.Core;

/// <summary>
/// A job's option refused. The message is written once with the option names as a parameter (an options record's
/// property names in, spelled names out): the library spells them by meaning ("batch size 0: must be positive"), a front
/// end with its own spelling (the CLI's flags: "--batch 0: must be positive") rewrites it with <see cref="MessageWith"/>.
/// </summary>
public sealed class InvalidOptionException(Func<Func<string, string>, string> message, Func<string, string> meaning)
    : InterpException(message(meaning))
{
    /// <summary>The message with the options named by <paramref name="name"/>; names it does not know keep their meaning.</summary>
    public string MessageWith(Func<string, string?> name) => message(property => name(property) ?? meaning(property));
}
