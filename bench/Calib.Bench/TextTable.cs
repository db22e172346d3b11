using System.Text;

namespace Calib.Bench;

/// <summary>A plain-text table: the first column left-aligned, the others (figures) right-aligned.</summary>
internal sealed class TextTable(params string[] headers)
{
    private const string Indent = "  ";
    private const string Gap = "   ";

    private readonly List<string[]> _rows = [];

    public TextTable Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
            throw new ArgumentException($"A row of {cells.Length} cells does not fit {headers.Length} columns.", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    public string Render()
    {
        var widths = headers.Select((header, c) => _rows.Select(r => r[c].Length).Append(header.Length).Max()).ToArray();
        var text = new StringBuilder();
        Line(text, headers, widths);
        text.Append(Indent).AppendLine(string.Join(Gap, widths.Select(w => new string('-', w))));
        foreach (var row in _rows) Line(text, row, widths);
        return text.ToString();
    }

    private static void Line(StringBuilder text, string[] cells, int[] widths) =>
        text.Append(Indent).AppendLine(string.Join(Gap, cells.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
}
