using System.Text;
using System.Text.Json;
using Calib.Graph;

namespace Calib.Algorithms.Configuration;

/// <summary>
/// A JSON value that remembers where it stood in its file, so that configuration errors can
/// name the line and column (System.Text.Json's DOM does not keep positions).
/// </summary>
public sealed class PositionedJson
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    private PositionedJson(JsonValueKind kind, string source, int line, int column)
    {
        Kind = kind;
        Source = source;
        Line = line;
        Column = column;
    }

    /// <summary>The kind of value.</summary>
    public JsonValueKind Kind { get; }

    /// <summary>The file name, for messages.</summary>
    public string Source { get; }

    /// <summary>1-based line of the value's first character.</summary>
    public int Line { get; }

    /// <summary>1-based column of the value's first character.</summary>
    public int Column { get; }

    /// <summary>Object members in file order (name, where the name stands, value).</summary>
    public List<(string Name, int Line, int Column, PositionedJson Value)> Members { get; } = [];

    /// <summary>Array items.</summary>
    public List<PositionedJson> Items { get; } = [];

    /// <summary>The string value, or a number's text.</summary>
    public string Text { get; private set; } = "";

    /// <summary>"file:line:column" of this value.</summary>
    public string Where => $"{Source}:{Line}:{Column}";

    /// <summary>Parses a whole JSON document.</summary>
    /// <exception cref="CalibException">The text is not valid JSON (with its position).</exception>
    public static PositionedJson Parse(byte[] utf8, string source)
    {
        // A UTF-8 byte order mark (Windows editors write one) is not part of the document.
        if (utf8.AsSpan().StartsWith(Utf8Bom)) utf8 = utf8[Utf8Bom.Length..];
        var lineStarts = LineStarts(utf8);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read()) throw new CalibException($"{source}: the file is empty; it should hold a JSON object.");
            var root = ReadValue(ref reader, source, lineStarts);
            if (reader.Read()) throw new CalibException($"{source}: unexpected text after the JSON object.");
            return root;
        }
        catch (JsonException e)
        {
            throw new CalibException($"{source}:{(e.LineNumber ?? 0) + 1}:{(e.BytePositionInLine ?? 0) + 1}: not valid JSON: {FirstSentence(e.Message)}");
        }
    }

    /// <summary>A user error at this value.</summary>
    public CalibException Error(string message) => new($"{Where}: {message}");

    private static PositionedJson ReadValue(ref Utf8JsonReader reader, string source, List<long> lineStarts)
    {
        var (line, column) = Position(reader.TokenStartIndex, lineStarts);
        var value = new PositionedJson(KindOf(reader.TokenType), source, line, column);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var firstLines = new Dictionary<string, int>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var (nameLine, nameColumn) = Position(reader.TokenStartIndex, lineStarts);
                    var name = reader.GetString()!;
                    // JSON parsers disagree on which duplicate wins, so a repeated key is refused, not guessed.
                    if (!firstLines.TryAdd(name, nameLine))
                        throw new CalibException(
                            $"{source}:{nameLine}:{nameColumn}: key '{name}' is given twice in this object (first at line {firstLines[name]}); keep one.");
                    reader.Read();
                    value.Members.Add((name, nameLine, nameColumn, ReadValue(ref reader, source, lineStarts)));
                }
                break;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    value.Items.Add(ReadValue(ref reader, source, lineStarts));
                break;
            case JsonTokenType.String:
                value.Text = reader.GetString()!;
                break;
            default:
                value.Text = Encoding.UTF8.GetString(reader.ValueSpan);
                break;
        }
        return value;
    }

    private static JsonValueKind KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => JsonValueKind.Object,
        JsonTokenType.StartArray => JsonValueKind.Array,
        JsonTokenType.String => JsonValueKind.String,
        JsonTokenType.Number => JsonValueKind.Number,
        JsonTokenType.True => JsonValueKind.True,
        JsonTokenType.False => JsonValueKind.False,
        _ => JsonValueKind.Null,
    };

    private static List<long> LineStarts(byte[] utf8)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < utf8.Length; i++) if (utf8[i] == '\n') starts.Add(i + 1);
        return starts;
    }

    private static (int Line, int Column) Position(long offset, List<long> lineStarts)
    {
        var index = lineStarts.BinarySearch(offset);
        var line = index >= 0 ? index : ~index - 1;
        return (line + 1, (int)(offset - lineStarts[line]) + 1);
    }

    private static string FirstSentence(string message) => message.Split(". ")[0].TrimEnd('.');
}
