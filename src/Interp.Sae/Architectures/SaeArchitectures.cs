using Interp.Core;

namespace Interp.Sae.Architectures;

/// <summary>The registry of SAE architectures: the one place that maps an id or a name to its definition.</summary>
public static class SaeArchitectures
{
    /// <summary>Every architecture, in the order of <see cref="SaeArchitecture"/>.</summary>
    public static IReadOnlyList<SaeArchitectureDefinition> All { get; } =
    [
        new ReluArchitecture(),
        new TopKArchitecture(),
        new BatchTopKArchitecture(),
        new JumpReluArchitecture(),
    ];

    private static readonly Dictionary<SaeArchitecture, SaeArchitectureDefinition> ById = All.ToDictionary(a => a.Id);

    /// <summary>The definition of <paramref name="id"/>.</summary>
    public static SaeArchitectureDefinition Of(SaeArchitecture id) =>
        ById.TryGetValue(id, out var definition) ? definition : throw new ArgumentOutOfRangeException(nameof(id), id, null);

    /// <summary>
    /// Parses an architecture name: SAELens's names plus each architecture's aliases (case-insensitive). Anything else is
    /// an <see cref="InterpException"/> naming <paramref name="where"/> and the accepted values.
    /// </summary>
    public static SaeArchitectureDefinition Parse(string? name, string where = "architecture")
    {
        var wanted = name?.Trim() ?? "";
        return All.FirstOrDefault(a => a.SaeLensName.Equals(wanted, StringComparison.OrdinalIgnoreCase)
                                       || a.Aliases.Any(alias => alias.Equals(wanted, StringComparison.OrdinalIgnoreCase)))
               ?? throw new InterpException($"{where}: unknown SAE architecture '{name}' (expected {Accepted()})");
    }

    /// <summary>
    /// The architecture a <c>cfg.json</c> describes: its <c>architecture</c> and <c>activation_fn</c> (SAELens 4–5 wrote
    /// topk SAEs as <c>"standard"</c> with <c>activation_fn_str</c> <c>"topk"</c>).
    /// </summary>
    public static SaeArchitectureDefinition FromConfig(string architecture, string? activationFn, string where)
    {
        var definition = Parse(architecture, $"{where}: 'architecture'");
        if (activationFn is null) return definition;
        var byActivation = All.FirstOrDefault(a => a.ActivationFn.Equals(activationFn, StringComparison.OrdinalIgnoreCase))
            ?? throw new InterpException($"{where}: 'activation_fn' value '{activationFn}' is not supported ({string.Join(", ", All.Select(a => a.ActivationFn).Distinct())})");
        return definition.Id == SaeArchitecture.Relu ? byActivation : definition;
    }

    private static string Accepted() => string.Join(", ", All.Select(a => string.Join('|', new[] { a.SaeLensName }.Concat(a.Aliases))));

    /// <summary>The definition of <paramref name="id"/>.</summary>
    public static SaeArchitectureDefinition Definition(this SaeArchitecture id) => Of(id);

    /// <summary>SAELens's <c>architecture</c> value of <paramref name="id"/>.</summary>
    public static string ToSaeLensName(this SaeArchitecture id) => Of(id).SaeLensName;
}
