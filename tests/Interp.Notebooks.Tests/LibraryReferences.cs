using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Interp.Notebooks.Tests;

/// <summary>
/// Turns a notebook's <c>#r</c> lines into file-based-app directives. In a notebook (Polyglot / .NET Interactive) the
/// library is referenced as built DLLs, all from one folder (<c>#r "../src/Interp.Cli/bin/Release/net10.0/Interp.Model.dll"</c>),
/// and packages as <c>#r "nuget: Name, Version"</c>. Headless, a DLL named after a project of the repository
/// (<c>src/X/X.csproj</c>) becomes <c>#:project</c> (built from source, so the run checks the code as it is); any other
/// DLL from that folder (TorchSharp.dll) comes with those projects; a package becomes <c>#:package Name</c>, its version
/// taken from Directory.Packages.props, which must agree with the notebook's.
/// </summary>
public sealed partial class LibraryReferences
{
    private readonly string _repoRoot;
    private readonly string _notebookFolder;
    private readonly IReadOnlyDictionary<string, string> _centralVersions;
    private readonly List<string> _projects = [];
    private readonly List<string> _packages = [];
    private string? _dllFolder;

    public LibraryReferences(string repoRoot, string notebookFolder)
    {
        (_repoRoot, _notebookFolder) = (repoRoot, notebookFolder);
        _centralVersions = CentralVersions(Path.Combine(repoRoot, "Directory.Packages.props"));
    }

    /// <summary>Full paths of the repository projects referenced so far, in order.</summary>
    public IReadOnlyList<string> Projects => _projects;

    /// <summary>Package ids referenced so far, in order.</summary>
    public IReadOnlyList<string> Packages => _packages;

    /// <summary>True when <paramref name="line"/> is a <c>#r</c> line.</summary>
    public static bool IsReference(string line) => line.TrimStart().StartsWith("#r ", StringComparison.Ordinal);

    /// <summary>Records one <c>#r</c> line; a reference the headless run cannot honour is an <see cref="NotebookException"/>.</summary>
    public void Add(string line, string where)
    {
        var match = ReferencePattern().Match(line.Trim());
        if (!match.Success) throw new NotebookException($"{where}: '{line.Trim()}' is not #r \"PATH.dll\" or #r \"nuget: NAME, VERSION\"");
        var target = match.Groups[1].Value.Trim();
        if (target.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase)) AddPackage(target["nuget:".Length..], where);
        else AddDll(target, where);
    }

    private void AddPackage(string spec, string where)
    {
        var parts = spec.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
            throw new NotebookException($"{where}: #r \"nuget: {spec}\" needs a version (#r \"nuget: NAME, VERSION\") so that every run gets the same package");
        var (id, version) = (parts[0], parts[1]);
        if (!_centralVersions.TryGetValue(id, out var central))
            throw new NotebookException($"{where}: package {id} is not in Directory.Packages.props; add <PackageVersion Include=\"{id}\" Version=\"{version}\" /> there");
        if (central != version)
            throw new NotebookException($"{where}: the notebook asks for {id} {version} but Directory.Packages.props pins {central}; make them agree");
        if (!_packages.Contains(id, StringComparer.OrdinalIgnoreCase)) _packages.Add(id);
    }

    private void AddDll(string path, string where)
    {
        if (!path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            throw new NotebookException($"{where}: #r \"{path}\" is neither a .dll nor a nuget: reference");
        var full = Path.GetFullPath(Path.Combine(_notebookFolder, path));
        var folder = Path.GetDirectoryName(full)!;
        _dllFolder ??= folder;
        if (folder != _dllFolder)
            throw new NotebookException($"{where}: #r \"{path}\" is not in {_dllFolder}, where the notebook's other DLLs are; reference the library from one build folder");
        var name = Path.GetFileNameWithoutExtension(full);
        var project = Path.Combine(_repoRoot, "src", name, name + ".csproj");
        if (File.Exists(project) && !_projects.Contains(project)) _projects.Add(project);
    }

    /// <summary>Package id → version from a central package management file.</summary>
    public static IReadOnlyDictionary<string, string> CentralVersions(string path) =>
        XDocument.Load(path).Descendants("PackageVersion")
            .Where(e => e.Attribute("Include") is not null && e.Attribute("Version") is not null)
            .ToDictionary(e => e.Attribute("Include")!.Value, e => e.Attribute("Version")!.Value, StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex("^#r\\s+\"([^\"]+)\"\\s*(//.*)?$")]
    private static partial Regex ReferencePattern();
}
