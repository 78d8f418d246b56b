namespace Interp.Web.Runs;

/// <summary>The runs under the runs folder, as the pages list them. Cheap to call: implementations cache and rescan now and then.</summary>
public interface IRunCatalog
{
    /// <summary>The runs folder.</summary>
    string Root { get; }

    /// <summary>Every run, sorted by name.</summary>
    IReadOnlyList<RunInfo> Runs();

    /// <summary>The run called <paramref name="name"/>, or null.</summary>
    RunInfo? Find(string name);
}
