using Interp.AutoInterp.Batch;
using Interp.Core.Records;
using Interp.Records;
using Interp.Core;

namespace Interp.Cli.Commands;

/// <summary>Opens <c>--records DIR</c>: a folder with <c>units.jsonl</c> (synthetic or hand-made units), else a records store (<c>records.db</c>).</summary>
internal static class RecordSourceOpener
{
    public static IUnitRecordSource Open(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path)) throw new InterpException($"--records {path}: no such folder");
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, JsonlUnitRecordSource.FileName))) return JsonlUnitRecordSource.Open(path);
        return UnitRecordStore.Open(path);
    }
}
