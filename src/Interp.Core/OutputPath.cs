using System.Runtime.InteropServices;

namespace Interp.Core;

/// <summary>
/// Checks a user-given output path before anything is written there, so that <c>--out</c> never replaces something
/// that is not an output: a symlink to a regular file is written through (the link stays), a folder is never taken for
/// a file nor a file for a folder, and fifos, devices and sockets are refused.
/// </summary>
public static class OutputPath
{
    private enum Kind { Missing, Regular, Folder, Special }

    /// <summary>The output options ("OutDirectory", "Overwrite": a job's property names) by meaning, for <see cref="InvalidOptionException"/>s.</summary>
    public static string Meaning(string option) => option switch
    {
        "OutDirectory" => "output folder",
        "Overwrite" => "the overwrite option",
        _ => option,
    };

    /// <summary>
    /// The path a file output at <paramref name="path"/> should really be written to: the path itself, or the final
    /// target when it is a symlink (so that renaming a temporary file into place keeps the link).
    /// </summary>
    /// <exception cref="InterpException">A folder, fifo, device or socket is there.</exception>
    public static string ForFile(string path)
    {
        var target = new FileInfo(path).LinkTarget is null ? path : File.ResolveLinkTarget(path, returnFinalTarget: true)!.FullName;
        return KindOf(target) switch
        {
            Kind.Folder => throw new InterpException($"{path}: is a folder; give a file name"),
            Kind.Special => throw new InterpException($"{path}: not a regular file (a fifo, device or socket); give a file name"),
            _ => target,
        };
    }

    /// <summary>Checks that <paramref name="path"/> is a folder (a symlink to one counts) or not there yet.</summary>
    /// <exception cref="InterpException">A file, fifo, device or socket is there.</exception>
    public static void CheckFolder(string path)
    {
        var kind = KindOf(path);
        if (kind is Kind.Regular or Kind.Special)
            throw new InterpException($"{path}: is a file, not a folder; give a folder (new or empty) for this output");
    }

    // What is at the path, symlinks followed. stat's file type is the only way to tell a fifo or device from a regular file.
    private static Kind KindOf(string path)
    {
        if (Directory.Exists(path)) return Kind.Folder;
        if (!File.Exists(path)) return Kind.Missing;
        if (!OperatingSystem.IsLinux()) return Kind.Regular;
        var buffer = new byte[256];                                   // struct statx is 256 bytes
        if (StatX(AtFdCwd, path, 0, StatXType, buffer) != 0) return Kind.Regular;
        var mode = BitConverter.ToUInt16(buffer, StatXModeOffset);
        return (mode & FileTypeMask) == RegularFile ? Kind.Regular : Kind.Special;
    }

    private const int AtFdCwd = -100;
    private const uint StatXType = 0x1;
    private const int StatXModeOffset = 28;                           // after mask, blksize, attributes, nlink, uid, gid
    private const int FileTypeMask = 0xF000, RegularFile = 0x8000;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int StatX(int dirFd, string path, int flags, uint mask, byte[] buffer);
}
