using Calib.Graph;
using Calib.Graph.IO;

namespace Calib.Algorithms.Data;

/// <summary>One calibration data file (or one file per input, paired), not yet read.</summary>
/// <param name="Label">The file, or the paired files, for messages.</param>
/// <param name="Read">Reads its arrays, keyed by the input they are for.</param>
internal sealed record TensorFile(string Label, Func<IReadOnlyList<KeyValuePair<string, TypedArray>>> Read);

/// <summary>
/// Where tensor calibration data comes from, in reading order: a folder of .npy files (single-input
/// models), a folder of .npz files keyed by input name, or one folder per input (AMCT's --data-dir
/// "dirA;dirB") of .npy or raw little-endian .bin files paired by sorted file name.
/// </summary>
internal static class TensorFileSource
{
    private static readonly EnumerationOptions Recursive = new() { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden };

    /// <summary>The .npy files of <paramref name="directory"/>, each one for <paramref name="input"/>.</summary>
    public static IReadOnlyList<TensorFile> NpyFolder(string directory, TensorInput input) =>
        Files(directory, ".npy").Select(file => new TensorFile(file, () => [new(input.Name, NpyFile.ReadTyped(file))])).ToList();

    /// <summary>The .npz files of <paramref name="directory"/>, keyed by input name.</summary>
    public static IReadOnlyList<TensorFile> NpzFolder(string directory) =>
        Files(directory, ".npz").Select(file => new TensorFile(file, () => NpzFile.Read(file))).ToList();

    /// <summary>One folder per input, paired with <paramref name="inputs"/> in order, their files paired by sorted name.</summary>
    /// <exception cref="CalibException">A folder is missing or empty, or the folders hold different numbers of files.</exception>
    public static IReadOnlyList<TensorFile> PerInputFolders(
        IReadOnlyList<string> directories, IReadOnlyList<TensorInput> inputs, TensorDataOptions options)
    {
        var shapes = options.Shapes;
        if (shapes is not null && shapes.Count != directories.Count)
            throw new CalibException($"--input-shape names {shapes.Count} inputs but --data-dir gives {directories.Count} folders: give one folder per input, in the same order.");
        if (options.Types is { } types && types.Count != directories.Count)
            throw new CalibException($"--data-types gives {types.Count} types but --data-dir gives {directories.Count} folders: give one type per folder, in the same order.");
        var targets = shapes is not null
            ? shapes.Select(shape => inputs.FirstOrDefault(i => i.Name == shape.Name)
                ?? throw new CalibException($"--input-shape names input '{shape.Name}', which the model does not have; its inputs are {string.Join(", ", inputs.Select(i => i.Describe()))}.")).ToList()
            : directories.Count == inputs.Count ? inputs
            : throw new CalibException($"--data-dir gives {directories.Count} folders for a model with {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}): give one folder per input, in the model's order, or name them with --input-shape.");

        var columns = directories.Select((directory, i) => Column(directory, targets[i], shapes?[i], options.Types?[i])).ToList();
        var count = columns[0].Count;
        for (var i = 1; i < columns.Count; i++)
            if (columns[i].Count != count)
                throw new CalibException($"--data-dir folders must hold one file per sample each, paired by sorted name: '{directories[0]}' holds {count} and '{directories[i]}' holds {columns[i].Count}.");
        return Enumerable.Range(0, count).Select(row => new TensorFile(
            string.Join(" + ", columns.Select(c => c[row].Label)),
            () => columns.Select(c => c[row].Read()[0]).ToList())).ToList();
    }

    private static List<TensorFile> Column(string directory, TensorInput input, NamedShape? shape, Graph.Onnx.Proto.TensorProto.Types.DataType? type)
    {
        if (type is { } given && given != input.ElementType)
            throw new CalibException($"--data-types gives {ElementTypes.Name(given)} for input {input.Describe()}: the model takes {ElementTypes.Name(input.ElementType)}; convert the data or correct --data-types.");
        var npy = Exists(directory) ? Files(directory, ".npy", required: false) : [];
        if (npy.Count > 0)
            return npy.Select(file => new TensorFile(file, () => [new(input.Name, NpyFile.ReadTyped(file))])).ToList();
        var bins = Files(directory, ".bin", required: false);
        if (bins.Count == 0)
            throw new CalibException($"Data folder '{directory}' (input '{input.Name}') holds no .npy or .bin files.");
        if (shape is null)
            throw new CalibException($"Data folder '{directory}' holds raw .bin files: give their shape with --input-shape \"{input.Name}:dims;…\" (and --data-types when it is not the model's).");
        return bins.Select(file => new TensorFile(file, () => [new(input.Name, ReadBin(file, input, shape.Dimensions))])).ToList();
    }

    /// <summary>A raw .bin file: the input's element type, little-endian, C order, exactly <paramref name="shape"/>.</summary>
    private static TypedArray ReadBin(string file, TensorInput input, long[] shape)
    {
        var bytes = File.ReadAllBytes(file);
        var expected = shape.Aggregate(1L, (p, d) => p * d) * ElementTypes.Size(input.ElementType);
        if (bytes.Length != expected)
            throw new CalibException(
                $"'{file}' holds {bytes.Length} bytes, but input '{input.Name}' as --input-shape and --data-types give it is " +
                $"{ElementTypes.Name(input.ElementType)} [{string.Join(",", shape)}] = {expected} bytes: check the shape and the type the file was written with.");
        return new TypedArray(input.ElementType, shape, bytes);
    }

    private static bool Exists(string directory) => Directory.Exists(directory)
        ? true : throw new CalibException($"Calibration data folder '{directory}' does not exist.");

    private static List<string> Files(string directory, string extension, bool required = true)
    {
        Exists(directory);
        var files = Directory.EnumerateFiles(directory, "*", Recursive)
            .Where(f => Path.GetExtension(f).Equals(extension, StringComparison.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(directory, f)).Order(StringComparer.Ordinal)
            .Select(f => Path.Combine(directory, f)).ToList();
        if (required && files.Count == 0)
            throw new CalibException($"Calibration folder '{directory}' holds no {extension} files.");
        return files;
    }
}
