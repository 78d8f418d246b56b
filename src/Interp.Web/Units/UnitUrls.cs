using System.Globalization;
using Interp.Core.Records;

namespace Interp.Web.Units;

/// <summary>The app's addresses for runs and units (relative to the base href), with each segment escaped.</summary>
public static class UnitUrls
{
    /// <summary>A run's section on the Runs page.</summary>
    public static string Run(string run) => "#run-" + Uri.EscapeDataString(run);

    /// <summary>The unit list of a source.</summary>
    public static string List(string run, string source) => $"runs/{Uri.EscapeDataString(run)}/units/{Uri.EscapeDataString(source)}";

    /// <summary>A unit's page.</summary>
    public static string Unit(string run, string source, int index) => List(run, source) + "/" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A unit's page.</summary>
    public static string Unit(string run, UnitId unit) => Unit(run, unit.Source, unit.Index);

    /// <summary>The neuron overview heatmap of a run.</summary>
    public static string Overview(string run) => $"runs/{Uri.EscapeDataString(run)}/overview";

    /// <summary>The attribution graph page of a run, drawing <paramref name="prompt"/> on arrival when one is given.</summary>
    public static string Graph(string run, string? prompt = null) =>
        $"graph?run={Uri.EscapeDataString(run)}" + (prompt is null ? "" : $"&prompt={Uri.EscapeDataString(prompt)}");

    /// <summary>The steering page set up for a unit of a run.</summary>
    public static string Steer(string run, string source, int index) =>
        $"steer?run={Uri.EscapeDataString(run)}&source={Uri.EscapeDataString(source)}&unit={index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The live page set up for a unit of a run.</summary>
    public static string Live(string run, string source, int index) =>
        $"live?run={Uri.EscapeDataString(run)}&source={Uri.EscapeDataString(source)}&unit={index.ToString(CultureInfo.InvariantCulture)}";
}
