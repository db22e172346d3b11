using System.Globalization;
using Calib.Graph;
using CsvHelper;

namespace Calib.Algorithms.Data;

/// <summary>
/// An evaluation set listed in a <c>labels.csv</c>: a header with columns <c>file</c> (path relative
/// to the folder) and <c>label</c> (class index), one row per sample, in the order given.
/// </summary>
internal static class LabelsCsv
{
    /// <summary>The file name looked for in the evaluation folder.</summary>
    public const string FileName = "labels.csv";

    /// <summary>Reads <c>labels.csv</c> in <paramref name="directory"/> and checks every file it names.</summary>
    /// <exception cref="CalibException">
    /// A column is missing, a label is not a class index, a file is listed twice, or listed files do
    /// not exist; the message names the line.
    /// </exception>
    public static (SampleList Samples, IReadOnlyList<int> Labels) Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var items = new List<SampleItem>();
        var labels = new List<int>();
        var lines = new Dictionary<string, long>(StringComparer.Ordinal);
        var missing = new List<(long Line, string File)>();
        try
        {
            using var csv = CsvReader.FromFile(path, new CsvReaderOptions { TrackLineNumbers = true, Separator = ',' });
            foreach (var column in new[] { "file", "label" })
                if (!csv.Headers.Contains(column))
                    throw new CalibException($"'{path}' has no '{column}' column: its first line must be the header file,label.");
            while (csv.Read())
            {
                var file = csv.GetString("file").Trim();
                var labelText = csv.GetString("label").Trim();
                if (!int.TryParse(labelText, NumberStyles.None, CultureInfo.InvariantCulture, out var label))
                    throw new CalibException($"'{path}' line {csv.LineNumber}: label '{labelText}' is not a class index (an integer from 0).");
                if (lines.TryGetValue(file, out var first))
                    throw new CalibException($"'{path}' line {csv.LineNumber}: '{file}' is listed a second time (first on line {first}); list each file once.");
                lines[file] = csv.LineNumber;
                var full = Path.Combine(directory, file);
                if (!File.Exists(full)) missing.Add((csv.LineNumber, file));
                items.Add(new SampleFile(full));
                labels.Add(label);
            }
        }
        catch (Exception e) when (e is CsvFormatException or IOException or UnauthorizedAccessException)
        {
            throw new CalibException($"Cannot read '{path}': {e.Message}");
        }
        if (missing.Count > 0)
            throw new CalibException(
                $"'{path}' line {missing[0].Line} names '{missing[0].File}', which is not in '{directory}' ({missing.Count} listed file(s) missing): " +
                "file paths are relative to the folder of labels.csv.");
        if (items.Count == 0) throw new CalibException($"'{path}' lists no files: add rows file,label below the header.");
        return (new SampleList(directory, items), labels);
    }
}
