namespace Interp.Core;

/// <summary>
/// A user-facing failure: bad input, a missing or corrupt file, an unknown name. The message is one line that names the
/// file, key or value at fault; the CLI prints it alone (no stack trace) and exits non-zero.
/// </summary>
public class InterpException(string message, Exception? inner = null) : Exception(message, inner);
