using System.Text;

namespace Calib.Graph.TextFormat;

/// <summary>One lexical token of protobuf text format, with its 1-based position.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, byte[]? Bytes = null);

/// <summary>The kinds of token the text format has.</summary>
internal enum TokenKind { Identifier, Number, String, Symbol, End }

/// <summary>
/// Splits protobuf text format into tokens: identifiers, numbers, quoted strings (adjacent strings
/// are joined, C escapes decoded to bytes), and the symbols { } &lt; &gt; [ ] : , ; — skipping
/// whitespace and # comments.
/// </summary>
internal sealed class TextFormatTokenizer(string text, string source)
{
    // A UTF-8 byte order mark (Windows editors write one) is not part of the text.
    private int _position = text.StartsWith('\uFEFF') ? 1 : 0;
    private int _line = 1;
    private int _column = 1;

    public string Source => source;

    public Token Next()
    {
        SkipSpaceAndComments();
        if (_position >= text.Length) return new Token(TokenKind.End, "", _line, _column);
        var (line, column) = (_line, _column);
        var c = text[_position];
        if (char.IsLetter(c) || c == '_') return new Token(TokenKind.Identifier, TakeWhile(IsIdentifierChar), line, column);
        if (char.IsDigit(c) || c is '-' or '+' or '.') return new Token(TokenKind.Number, TakeWhile(IsNumberChar), line, column);
        if (c is '"' or '\'') return ReadStrings(line, column);
        if ("{}<>[]:,;".Contains(c))
        {
            Advance();
            return new Token(TokenKind.Symbol, c.ToString(), line, column);
        }
        throw Error(line, column, $"unexpected character '{c}'");
    }

    public CalibException Error(int line, int column, string message) =>
        new($"{source}:{line}:{column}: {message}");

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '.';

    // Numbers are validated by the parser, which knows the field type; letters cover hex, exponents, inf/nan, 'f'.
    private static bool IsNumberChar(char c) => char.IsLetterOrDigit(c) || c is '-' or '+' or '.';

    private string TakeWhile(Func<char, bool> predicate)
    {
        var start = _position;
        Advance();
        while (_position < text.Length && predicate(text[_position])) Advance();
        return text[start.._position];
    }

    private Token ReadStrings(int line, int column)
    {
        var bytes = new List<byte>();
        do
        {
            ReadString(bytes);
            SkipSpaceAndComments();
        }
        while (_position < text.Length && text[_position] is '"' or '\'');
        var array = bytes.ToArray();
        return new Token(TokenKind.String, Encoding.UTF8.GetString(array), line, column, array);
    }

    private void ReadString(List<byte> bytes)
    {
        var (line, column) = (_line, _column);
        var quote = text[_position];
        Advance();
        while (true)
        {
            if (_position >= text.Length || text[_position] == '\n') throw Error(line, column, "string is not closed on its line");
            var c = text[_position];
            if (c == quote) { Advance(); return; }
            if (c == '\\') { ReadEscape(bytes); continue; }
            bytes.AddRange(Encoding.UTF8.GetBytes(text.Substring(_position, char.IsSurrogate(c) ? 2 : 1)));
            Advance();
            if (char.IsSurrogate(c)) Advance();
        }
    }

    private void ReadEscape(List<byte> bytes)
    {
        var (line, column) = (_line, _column);
        Advance();
        if (_position >= text.Length) throw Error(line, column, "escape at end of input");
        var c = text[_position];
        Advance();
        switch (c)
        {
            case 'n': bytes.Add((byte)'\n'); return;
            case 't': bytes.Add((byte)'\t'); return;
            case 'r': bytes.Add((byte)'\r'); return;
            case 'a': bytes.Add(7); return;
            case 'b': bytes.Add(8); return;
            case 'f': bytes.Add(12); return;
            case 'v': bytes.Add(11); return;
            case '\\' or '\'' or '"' or '?': bytes.Add((byte)c); return;
            case 'x' or 'X': bytes.Add((byte)ReadDigits(16, 2, line, column)); return;
            case >= '0' and <= '7':
                _position--; _column--;
                bytes.Add((byte)ReadDigits(8, 3, line, column));
                return;
            default: throw Error(line, column, $"unknown escape '\\{c}'");
        }
    }

    private int ReadDigits(int radix, int max, int line, int column)
    {
        var value = 0;
        var count = 0;
        while (count < max && _position < text.Length && Uri.IsHexDigit(text[_position]) && Convert.ToInt32(text[_position].ToString(), 16) < radix)
        {
            value = value * radix + Convert.ToInt32(text[_position].ToString(), 16);
            Advance();
            count++;
        }
        if (count == 0) throw Error(line, column, "escape without digits");
        return value;
    }

    private void SkipSpaceAndComments()
    {
        while (_position < text.Length)
        {
            var c = text[_position];
            if (c == '#')
                while (_position < text.Length && text[_position] != '\n') Advance();
            else if (char.IsWhiteSpace(c)) Advance();
            else return;
        }
    }

    private void Advance()
    {
        if (text[_position] == '\n') { _line++; _column = 1; }
        else _column++;
        _position++;
    }
}
