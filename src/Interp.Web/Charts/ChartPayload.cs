using System.Text.Json;
using System.Text.Json.Serialization;
using Plotly.Blazor;

namespace Interp.Web.Charts;

/// <summary>How many bytes of JSON a chart sends to the browser when it is drawn (Plotly.Blazor's newPlot arguments: traces, layout, config).</summary>
public static class ChartPayload
{
    // As Plotly.Blazor writes them (its own options are internal): declared property names, nulls left out, each trace as its runtime type.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>UTF-8 bytes of the traces, layout and config as JSON.</summary>
    public static long Bytes(IEnumerable<ITrace> data, Layout layout, Config config)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Sum(trace => (long)JsonSerializer.SerializeToUtf8Bytes(trace, trace.GetType(), Json).Length)
               + JsonSerializer.SerializeToUtf8Bytes(layout, Json).Length
               + JsonSerializer.SerializeToUtf8Bytes(config, Json).Length;
    }
}
