using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Interp.Core.Tokenization;

/// <summary>
/// GPT-2's byte-level BPE tokenizer, giving exactly the ids of OpenAI's <c>encoder.py</c> and Hugging Face's
/// <c>GPT2Tokenizer</c>. Built from a Hugging Face GPT-2 folder (<c>vocab.json</c> + <c>merges.txt</c>). Thread-safe:
/// one instance may encode and decode from many threads at once.
/// </summary>
/// <remarks>
/// <para>The merging runs in Microsoft.ML.Tokenizers' <see cref="TiktokenTokenizer"/>, fed an in-memory tiktoken table
/// whose rank of each merged token is its line in <c>merges.txt</c> (so the merge order is the folder's, whatever its ids);
/// ranks are mapped back to the folder's ids afterwards. For GPT-2 this rank-ordered merging was checked to equal the
/// merge-pair BPE of <c>encoder.py</c> on every vocabulary entry and on the corpora shipped under <c>data/corpora</c>.</para>
/// <para>The pre-tokenizer is GPT-2's pattern
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>, implemented by hand over Unicode code
/// points with the semantics of Python's <c>regex</c> module (which GPT-2 and Hugging Face use): a .NET
/// <see cref="System.Text.RegularExpressions.Regex"/> sees a character outside the Basic Multilingual Plane as two
/// surrogates that are neither letters nor digits, and so splits <c>"𝐈'm"</c> into <c>"𝐈'"</c>, <c>"m"</c> where GPT-2 has
/// <c>"𝐈"</c>, <c>"'m"</c> (different ids).</para>
/// <para><see cref="EndOfText"/> in the text is the special token (as in Hugging Face's <c>GPT2Tokenizer</c>): the text
/// is split on it, the parts are encoded on their own and the special id goes between them.</para>
/// </remarks>
public sealed class Gpt2Tokenizer
{
    /// <summary>The id of <see cref="EndOfText"/> in GPT-2's vocabulary.</summary>
    public const int EndOfTextId = 50256;

    /// <summary>GPT-2's one special token, which separates documents.</summary>
    public const string EndOfText = "<|endoftext|>";

    private static readonly Lazy<Gpt2Tokenizer> DefaultInstance =
        new(() => FromDirectory(RepoPaths.DataFile("tokenizer/gpt2")), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>UTF-8 without a byte-order mark whose decoder writes U+FFFD for invalid bytes (never throws).</summary>
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly byte[]?[] _tokenBytes;      // id -> the token's bytes (null where the vocabulary has no such id)
    private readonly int[] _rankToId;            // tiktoken rank -> vocabulary id
    private readonly TiktokenTokenizer _bpe;
    private readonly int _endOfTextId;           // this vocabulary's id of EndOfText, or -1 if it has none

    private Gpt2Tokenizer(byte[]?[] tokenBytes, int[] rankToId, TiktokenTokenizer bpe, int endOfTextId)
    {
        _tokenBytes = tokenBytes;
        _rankToId = rankToId;
        _bpe = bpe;
        _endOfTextId = endOfTextId;
    }

    /// <summary>GPT-2's tokenizer from <c>data/tokenizer/gpt2</c> (see <see cref="RepoPaths.DataFile"/>), loaded once.</summary>
    /// <exception cref="InterpException">The folder or its files are missing or corrupt.</exception>
    public static Gpt2Tokenizer Default => DefaultInstance.Value;

    /// <summary>The number of ids: one more than the largest id in <c>vocab.json</c> (50257 for GPT-2).</summary>
    public int VocabSize => _tokenBytes.Length;

    /// <summary>
    /// Loads a byte-level BPE tokenizer from a Hugging Face GPT-2 folder: <c>vocab.json</c> (token → id, tokens written
    /// with GPT-2's byte-to-character table) and <c>merges.txt</c> (one merge "a b" a line, highest priority first).
    /// </summary>
    /// <param name="dir">The folder holding <c>vocab.json</c> and <c>merges.txt</c>.</param>
    /// <exception cref="InterpException">A file is missing, or is not valid JSON, or the merges do not fit the vocabulary
    /// (a merge names a token that is not in <c>vocab.json</c>, or makes a token that another merge already made); the
    /// message names the file (and line).</exception>
    public static Gpt2Tokenizer FromDirectory(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        string vocabPath = Path.Combine(dir, "vocab.json");
        string mergesPath = Path.Combine(dir, "merges.txt");
        if (!Directory.Exists(dir)) throw new InterpException($"tokenizer folder {dir} not found (it should hold vocab.json and merges.txt)");
        Dictionary<string, int> vocab = ReadVocab(vocabPath);
        List<(string Left, string Right, int Line)> merges = ReadMerges(mergesPath);

        int maxId = -1;
        foreach (int id in vocab.Values) maxId = Math.Max(maxId, id);
        var tokenBytes = new byte[]?[maxId + 1];
        foreach ((string token, int id) in vocab)
        {
            if (tokenBytes[id] is not null) throw new InterpException($"{vocabPath}: id {id} is given to more than one token");
            tokenBytes[id] = TokenToBytes(token);
        }

        // tiktoken ranks: 0..255 = the single bytes, 256 + k = the token made by merge k. Only the order of the merged
        // tokens' ranks matters to BPE, so ranking them by merge line gives the merges' priority whatever the ids are.
        var rankToId = new int[256 + merges.Count];
        var table = new StringBuilder(capacity: (256 + merges.Count) * 16);
        for (int b = 0; b < 256; b++)
        {
            string ch = ByteToChar[b].ToString();
            if (!vocab.TryGetValue(ch, out int id))
                throw new InterpException($"{vocabPath}: no token for byte 0x{b:X2} (\"{ch}\"); not a GPT-2 byte-level vocabulary");
            rankToId[b] = id;
            AppendTableLine(table, [(byte)b], b);
        }
        var madeBy = new Dictionary<int, int>(merges.Count);
        for (int k = 0; k < merges.Count; k++)
        {
            (string left, string right, int line) = merges[k];
            if (!vocab.ContainsKey(left) || !vocab.ContainsKey(right))
                throw new InterpException($"{mergesPath} line {line}: merge \"{left} {right}\" names a token that is not in vocab.json");
            if (!vocab.TryGetValue(left + right, out int id))
                throw new InterpException($"{mergesPath} line {line}: merge \"{left} {right}\" makes \"{left + right}\", which is not in vocab.json");
            if (!madeBy.TryAdd(id, line))
                throw new InterpException($"{mergesPath} line {line}: merge \"{left} {right}\" makes \"{left + right}\", already made at line {madeBy[id]}");
            rankToId[256 + k] = id;
            AppendTableLine(table, tokenBytes[id]!, 256 + k);
        }

        TiktokenTokenizer bpe;
        using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(table.ToString()), writable: false))
        {
            bpe = TiktokenTokenizer.Create(stream, Gpt2PreTokenizer.Instance, normalizer: null, specialTokens: null, cacheSize: 1 << 16);
        }
        int endOfTextId = vocab.TryGetValue(EndOfText, out int eot) ? eot : -1;
        return new Gpt2Tokenizer(tokenBytes, rankToId, bpe, endOfTextId);
    }

    /// <summary>
    /// Encodes text to token ids, as GPT-2 does. Each <see cref="EndOfText"/> in the text becomes its id
    /// (<see cref="EndOfTextId"/> for GPT-2). A lone surrogate (not valid UTF-16) is encoded as U+FFFD, as UTF-8
    /// encoders such as JavaScript's <c>TextEncoder</c> do.
    /// </summary>
    /// <param name="text">Any text; the empty string gives no ids.</param>
    /// <returns>The ids, in order.</returns>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return [];
        text = ReplaceLoneSurrogates(text);
        var ids = new List<int>(text.Length / 3 + 4);
        int start = 0;
        if (_endOfTextId >= 0)
        {
            int at;
            while ((at = text.IndexOf(EndOfText, start, StringComparison.Ordinal)) >= 0)
            {
                EncodeOrdinary(text.AsSpan(start, at - start), ids);
                ids.Add(_endOfTextId);
                start = at + EndOfText.Length;
            }
        }
        EncodeOrdinary(text.AsSpan(start), ids);
        return ids.ToArray();
    }

    /// <summary>The text with each unpaired surrogate replaced by U+FFFD (the same string when there is none).</summary>
    private static string ReplaceLoneSurrogates(string text)
    {
        int first = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0) return text;
        char[]? copy = null;
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            copy ??= text.ToCharArray();
            copy[i] = '\uFFFD';
        }
        return copy is null ? text : new string(copy);
    }

    private void EncodeOrdinary(ReadOnlySpan<char> text, List<int> ids)
    {
        if (text.IsEmpty) return;
        IReadOnlyList<int> ranks = _bpe.EncodeToIds(text, considerPreTokenization: true, considerNormalization: false);
        int[] rankToId = _rankToId;
        for (int i = 0; i < ranks.Count; i++) ids.Add(rankToId[ranks[i]]);
    }

    /// <summary>
    /// Decodes ids to text: the tokens' bytes joined and read as UTF-8, so <c>Decode(Encode(s)) == s</c> for any valid
    /// text. Bytes that are not valid UTF-8 (e.g. ids cut in the middle of a character) become U+FFFD.
    /// </summary>
    /// <param name="ids">Token ids, each in [0, <see cref="VocabSize"/>).</param>
    /// <returns>The text.</returns>
    /// <exception cref="InterpException">An id is not in the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty) return string.Empty;
        int length = 0;
        foreach (int id in ids) length += Bytes(id).Length;
        byte[] buffer = length <= 4096 ? new byte[length] : GC.AllocateUninitializedArray<byte>(length);
        int at = 0;
        foreach (int id in ids)
        {
            byte[] bytes = Bytes(id);
            bytes.CopyTo(buffer, at);
            at += bytes.Length;
        }
        return Utf8.GetString(buffer, 0, length);
    }

    /// <summary>
    /// One token's display text: its bytes read as UTF-8 on their own, a partial character showing as U+FFFD
    /// (as TransformerLens' <c>to_str_tokens</c> shows it). E.g. 995 → <c>" world"</c>.
    /// </summary>
    /// <param name="id">A token id in [0, <see cref="VocabSize"/>).</param>
    /// <returns>The token's text.</returns>
    /// <exception cref="InterpException">The id is not in the vocabulary.</exception>
    public string TokenString(int id) => Utf8.GetString(Bytes(id));

    /// <summary>Each id's <see cref="TokenString"/>, in order.</summary>
    /// <param name="ids">Token ids, each in [0, <see cref="VocabSize"/>).</param>
    /// <returns>One string per id.</returns>
    /// <exception cref="InterpException">An id is not in the vocabulary.</exception>
    public string[] TokenStrings(ReadOnlySpan<int> ids)
    {
        var strings = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++) strings[i] = TokenString(ids[i]);
        return strings;
    }

    private byte[] Bytes(int id)
    {
        if ((uint)id < (uint)_tokenBytes.Length && _tokenBytes[id] is { } bytes) return bytes;
        throw new InterpException($"token id {id} is not in the tokenizer's vocabulary (ids 0..{_tokenBytes.Length - 1})");
    }

    // ---- loading ----

    /// <summary>GPT-2's <c>bytes_to_unicode</c>: printable Latin-1 bytes stand for themselves, the rest for U+0100 on.</summary>
    private static readonly char[] ByteToChar = BuildByteToChar();

    private static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + next++);
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[512];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++) map[ByteToChar[b]] = (short)b;
        return map;
    }

    /// <summary>A vocabulary entry's bytes; an entry outside the byte table (an added token) stands for its UTF-8.</summary>
    private static byte[] TokenToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            short b = c < CharToByte.Length ? CharToByte[c] : (short)-1;
            if (b < 0) return Encoding.UTF8.GetBytes(token);
            bytes[i] = (byte)b;
        }
        return bytes;
    }

    private static void AppendTableLine(StringBuilder table, byte[] bytes, int rank) =>
        table.Append(Convert.ToBase64String(bytes)).Append(' ').Append(rank.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static Dictionary<string, int> ReadVocab(string path)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InterpException($"{path} not found (a GPT-2 tokenizer folder holds vocab.json and merges.txt)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InterpException($"{path}: cannot read ({e.Message})", e);
        }

        var vocab = new Dictionary<string, int>(capacity: 60_000, StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new InterpException($"{path}: expected a JSON object mapping tokens to ids");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string token = reader.GetString()!; // a property name: the reader guarantees one here
                if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id) || id < 0)
                    throw new InterpException($"{path}: the id of token \"{token}\" is not a non-negative integer");
                if (!vocab.TryAdd(token, id)) throw new InterpException($"{path}: token \"{token}\" appears twice");
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                throw new InterpException($"{path}: unexpected content after the token object");
        }
        catch (JsonException e)
        {
            throw new InterpException($"{path}: not valid JSON ({e.Message})", e);
        }
        if (vocab.Count == 0) throw new InterpException($"{path}: the vocabulary is empty");
        return vocab;
    }

    private static List<(string Left, string Right, int Line)> ReadMerges(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InterpException($"{path} not found (a GPT-2 tokenizer folder holds vocab.json and merges.txt)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InterpException($"{path}: cannot read ({e.Message})", e);
        }

        var merges = new List<(string, string, int)>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new InterpException($"{path} line {i + 1}: expected two tokens separated by one space, got \"{line}\"");
            merges.Add((line[..space], line[(space + 1)..], i + 1));
        }
        return merges;
    }
}

