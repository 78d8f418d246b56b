using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Interp.Notebooks.Tests;

/// <summary>
/// A notebook's C# code cells as one .NET file-based app (<c>dotnet run notebook.cs</c>), the way a notebook kernel
/// would run them: in order, sharing variables. <c>#r</c> lines become <c>#:project</c>/<c>#:package</c> directives
/// (<see cref="LibraryReferences"/>); <c>using</c> directives of any cell move to the top, as C# requires; each cell
/// starts with a marker line on stdout (<see cref="CellOutputs"/> splits the output there) and runs under
/// <c>#line 1 "code cell N"</c>, so compiler errors and stack traces name the cell and the line in it. A small prelude
/// gives the kernel's <c>display(x)</c> and <c>HTML(s)</c>. Types cannot be declared in cells: a file-based app needs
/// them after all top-level statements, which would reorder the notebook.
/// </summary>
public static partial class HeadlessProgram
{
    /// <summary>Starts every marker line the program writes (a record separator, then a tag no notebook prints).</summary>
    public const string Marker = "\u001e#interp-notebook";

    /// <summary>The file name <c>#line</c> gives to code cell <paramref name="ordinal"/>, as compilers and stack traces show it.</summary>
    public static string CellFileName(int ordinal) => $"code cell {ordinal}";

    // The C# kernel's default imports (Polyglot Notebooks): a cell may rely on these and nothing more.
    private static readonly string[] KernelImports =
        ["System", "System.Collections", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks"];

    private const string Prelude = """
        #line default
        #pragma warning disable CS8321 // helpers a notebook need not use
        // The notebook kernel's display(x) and HTML(s): text goes to stdout, HTML (a plot's <img>) as one marker line.
        static void display(object? value)
        {
            switch (value)
            {
                case NotebookHtml html:
                    Console.WriteLine($"{NotebookHtml.Marker} display text/html {Convert.ToBase64String(Encoding.UTF8.GetBytes(html.Html))}");
                    break;
                case string text:
                    Console.WriteLine(text);
                    break;
                case IEnumerable items:
                    foreach (var item in items) Console.WriteLine(item);
                    break;
                default:
                    Console.WriteLine(value);
                    break;
            }
        }
        static NotebookHtml HTML(string html) => new(html);
        // Markers carry the milliseconds since the program started, for per-cell timings.
        static void __NotebookCell(int ordinal) => Console.WriteLine($"{NotebookHtml.Marker} cell {ordinal} {__Milliseconds()}");
        static void __NotebookEnd() => Console.WriteLine($"{NotebookHtml.Marker} end {__Milliseconds()}");
        static long __Milliseconds() => (long)(DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds;

        sealed record NotebookHtml(string Html)
        {
            public const string Marker = "MARKER";
            public override string ToString() => Html;
        }
        """;

    /// <summary>
    /// The program for <paramref name="notebook"/>, to be written at <paramref name="programPath"/> (directive paths are
    /// relative to it). A cell the headless run cannot honour is a <see cref="NotebookException"/> naming it.
    /// </summary>
    public static string Generate(NotebookDocument notebook, string repoRoot, string programPath)
    {
        var name = Path.GetFileName(notebook.Path);
        var references = new LibraryReferences(repoRoot, Path.GetDirectoryName(Path.GetFullPath(notebook.Path))!);
        var hoisted = new StringBuilder();
        var body = new StringBuilder();
        foreach (var cell in notebook.CodeCells)
        {
            var where = $"{name}, {CellFileName(cell.CodeOrdinal)}";
            CheckLanguage(cell, where);
            body.Append("#line default\n").Append($"__NotebookCell({cell.CodeOrdinal});\n").Append($"#line 1 \"{CellFileName(cell.CodeOrdinal)}\"\n");
            var lines = cell.Source.Replace("\r\n", "\n").Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                var lineWhere = $"{where}, line {i + 1}";
                if (LibraryReferences.IsReference(line))
                {
                    references.Add(line, lineWhere);
                    body.Append("// ").Append(line.Trim()).Append('\n');
                }
                else if (UsingDirective().IsMatch(line))
                {
                    hoisted.Append($"#line {i + 1} \"{CellFileName(cell.CodeOrdinal)}\"\n").Append(line.Trim()).Append('\n');
                    body.Append("// (moved to the top) ").Append(line.Trim()).Append('\n');
                }
                else if (line.TrimStart().StartsWith("#!", StringComparison.Ordinal))
                {
                    if (line.Trim() != "#!csharp") throw new NotebookException($"{lineWhere}: magic command '{line.Trim()}' has no headless equivalent");
                    body.Append("// ").Append(line.Trim()).Append('\n');
                }
                else if (TypeDeclaration().IsMatch(line))
                {
                    throw new NotebookException($"{lineWhere}: declares a type ('{line.Trim()}'); a headless run cannot keep it in place " +
                                                "(types follow all statements in a C# program): use tuples, anonymous types or local functions");
                }
                else body.Append(line).Append('\n');
            }
        }

        body.Append("#line default\n__NotebookEnd();\n");

        var program = new StringBuilder();
        program.Append("#:property ImplicitUsings=disable\n");
        // Source Link embeds untracked sources in the PDB, and would look for the "code cell N" files #line names.
        program.Append("#:property EmbedUntrackedSources=false\n");
        // File-based apps default to native AOT, whose feature switches (no reflection-based JSON, …) a notebook kernel does not have.
        program.Append("#:property PublishAot=false\n");
        // This machine's native libraries only (libtorch, SkiaSharp): not every platform's copies in the build folder.
        program.Append($"#:property RuntimeIdentifier={RuntimeInformation.RuntimeIdentifier}\n#:property SelfContained=false\n");
        // Projects that run TorchSharp get its native-library fix through Directory.Build.targets (UsesTorch).
        if (references.Projects.Count > 0) program.Append("#:property UsesTorch=true\n");
        var programFolder = Path.GetDirectoryName(Path.GetFullPath(programPath))!;
        foreach (var project in references.Projects)
            program.Append("#:project ").Append(Path.GetRelativePath(programFolder, project).Replace('\\', '/')).Append('\n');
        foreach (var package in references.Packages) program.Append("#:package ").Append(package).Append('\n');
        program.Append($"// Generated from {name} by tests/Interp.Notebooks.Tests: its code cells in order, for a headless run.\n");
        foreach (var import in KernelImports) program.Append($"using {import};\n");
        program.Append(hoisted).Append(body).Append(Prelude.Replace("\"MARKER\"", $"\"{Escape(Marker)}\"")).Append('\n');
        return program.ToString();
    }

    private static void CheckLanguage(NotebookCell cell, string where)
    {
        var language = cell.Json["metadata"]?["dotnet_interactive"]?["language"]?.GetValue<string>()
                       ?? cell.Json["metadata"]?["polyglot_notebook"]?["kernelName"]?.GetValue<string>();
        if (language is not null && language != "csharp")
            throw new NotebookException($"{where}: is a {language} cell; only C# cells can run headless");
    }

    private static string Escape(string text) => text.Replace("\u001e", "\\u001e");

    // using X; using static X; using A = X; global using X; — not a using statement or declaration (using var x = …).
    [GeneratedRegex(@"^\s*(global\s+)?using\s+((static\s+)?[A-Za-z_][\w.]*|[A-Za-z_]\w*\s*=\s*[A-Za-z_][\w.<>, ]*)\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"^\s*(\[[^\]]*\]\s*)*((public|internal|private|protected|sealed|static|abstract|partial|readonly|file|unsafe|ref)\s+)*(class|struct|interface|enum|record)\s+[A-Za-z_]")]
    private static partial Regex TypeDeclaration();
}
