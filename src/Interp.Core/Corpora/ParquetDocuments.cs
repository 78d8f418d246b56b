using Parquet;
using Parquet.Schema;

namespace Interp.Core.Corpora;

/// <summary>
/// A Parquet file with a string column of text: one document per row, read one row group at a time (only that row group's
/// column is in memory).
/// </summary>
internal sealed class ParquetDocuments : CorpusDocuments
{
    private readonly string _path;
    private readonly FileStream _stream;
    private readonly ParquetReader _reader;
    private readonly DataField _column;

    private ParquetDocuments(string path, FileStream stream, ParquetReader reader, DataField column) =>
        (_path, _stream, _reader, _column) = (path, stream, reader, column);

    /// <summary>Opens <paramref name="path"/> and finds its top-level string column <paramref name="textField"/>.</summary>
    public static ParquetDocuments Open(string path, string textField)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        ParquetReader? reader = null;
        try
        {
            reader = Wait(ParquetReader.CreateAsync(stream, new ParquetOptions(), true, CancellationToken.None));
            var columns = reader.Schema.Fields;
            if (columns.FirstOrDefault(f => f.Name == textField) is not { } field)
            {
                var names = string.Join(", ", columns.Select(f => $"'{f.Name}'").Take(20));
                throw new InvalidOptionException(n => $"{path}: no column '{textField}' ({n("TextField")}); the file has {names}", _ => "the text field");
            }
            // Parquet.Net gives a UTF-8 string column the type ReadOnlyMemory<char> (string with some options); both read as strings.
            if (field is not DataField { IsArray: false } column || (column.ClrType != typeof(string) && column.ClrType != typeof(ReadOnlyMemory<char>)))
                throw new InterpException($"{path}: column '{textField}' holds {Describe(field)}, not strings");
            return new ParquetDocuments(path, stream, reader, column);
        }
        catch (Exception e) when (e is not InterpException)
        {
            Close(reader, stream);
            throw new InterpException($"{path}: not a readable Parquet file ({e.Message})", e);
        }
        catch
        {
            Close(reader, stream);
            throw;
        }
    }

    public override IEnumerable<TextReader> Read()
    {
        long row = 0;
        for (var group = 0; group < _reader.RowGroupCount; group++)
        {
            foreach (var text in Column(group))
            {
                row++;
                if (text is null) throw new InterpException($"{_path}: row {row:N0}: column '{_column.Name}' is null, not a string");
                if (text.Length > 0) yield return new StringReader(text);
            }
        }
    }

    protected override void Dispose(bool disposing) => Close(_reader, _stream);

    private string?[] Column(int group)
    {
        try
        {
            using var rowGroup = _reader.OpenRowGroupReader(group);
            var values = new string?[checked((int)rowGroup.RowCount)];   // a null row stays null
            rowGroup.ReadAsync(_column, values.AsMemory(), null, CancellationToken.None).GetAwaiter().GetResult();
            return values;
        }
        catch (Exception e) when (e is not InterpException)
        {
            throw new InterpException($"{_path}: row group {group} is damaged ({e.Message})", e);
        }
    }

    private static string Describe(Field field) => field switch
    {
        DataField { IsArray: true } data => $"lists of {Name(data.ClrType)}",
        DataField data => Name(data.ClrType),
        _ => $"a {field.SchemaType.ToString().ToLowerInvariant()}",
    };

    private static string Name(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GenericTypeArguments.Select(Name))}>" : type.Name;

    private static void Close(ParquetReader? reader, FileStream stream)
    {
        if (reader is not null) Wait(reader.DisposeAsync().AsTask());
        stream.Dispose();
    }

    // Parquet.Net's API is asynchronous; over a local file it completes in place, so waiting costs nothing.
    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();
}
