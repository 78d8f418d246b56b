namespace Interp.AutoInterp.Llm;

/// <summary>An LLM request that failed for good (a non-retryable HTTP status, or retries exhausted): the unit fails, the batch goes on.</summary>
public sealed class LlmException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An LLM answer that could not be read (no record, wrong list length, a value that is not a number): the unit fails with this reason.</summary>
public sealed class MalformedAnswerException(string message) : Exception(message);
