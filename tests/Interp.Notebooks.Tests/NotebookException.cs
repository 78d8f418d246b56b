namespace Interp.Notebooks.Tests;

/// <summary>A notebook that cannot be run headless, or that failed: the message names the notebook and the code cell.</summary>
public sealed class NotebookException(string message) : Exception(message);
