namespace Calib.Algorithms.Data;

/// <summary>
/// An image that does not decode. Kept apart from other errors because it is the one problem
/// <see cref="BatchReaderOptions.SkipUndecodable"/> may skip; it never leaves the data layer (the
/// batch builder turns it into a warning or a <see cref="Calib.Graph.CalibException"/>).
/// </summary>
internal sealed class UnreadableFileException(string file, string reason, string what = "PNG/JPEG/BMP image")
    : Exception($"'{file}' is not a readable {what} ({reason}): replace or remove it.")
{
    /// <summary>The file.</summary>
    public string File { get; } = file;

    /// <summary>The warning given when the file is skipped.</summary>
    public string Warning { get; } = $"Skipped '{file}': not a readable {what} ({reason}).";
}
