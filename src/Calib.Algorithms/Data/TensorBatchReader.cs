using Calib.Graph;
using Calib.Graph.IO;

namespace Calib.Algorithms.Data;

/// <summary>
/// Reads tensor calibration data as model feeds: exactly <c>batchCount</c> batches of
/// <c>batchSize</c> samples, taken in file order, one file in memory at a time, so memory does not
/// grow with the number of batches. Every array is checked against its input (<see cref="TensorInput"/>
/// states the batching rule): a batched file is split across batches as needed; samples of one
/// batch must share their shape; inputs that do not batch must hold the same value in every sample
/// of a batch.
/// </summary>
internal sealed class TensorBatchReader(
    IReadOnlyList<TensorInput> inputs, IReadOnlyList<TensorFile> files, string location, int batchSize, int batchCount)
{
    /// <summary>One file's arrays, checked: the batched ones as [count, …sample shape].</summary>
    private sealed record FileSamples(string Label, long Count, Dictionary<string, TypedArray> Arrays);

    /// <summary>A run of samples of one file that goes into a batch.</summary>
    private sealed record Piece(FileSamples File, long Start, long Count);

    /// <summary>The batches, in order; each enumeration reads the files again.</summary>
    public IEnumerable<ModelFeed> ReadBatches()
    {
        var next = 0;
        FileSamples? current = null;
        long used = 0;
        for (var index = 0; index < batchCount; index++)
        {
            var pieces = new List<Piece>();
            long filled = 0;
            while (filled < batchSize)
            {
                if (current is null || used == current.Count)
                {
                    if (next == files.Count)
                        throw new CalibException(
                            $"Calibration needs --batch-num {batchCount} × --batch-size {batchSize} = {(long)batchCount * batchSize} samples, " +
                            $"but the {files.Count} files of '{location}' hold only {(long)index * batchSize + filled}: add data or lower --batch-num or --batch-size.");
                    current = Load(files[next++]);
                    used = 0;
                }
                var take = Math.Min(batchSize - filled, current.Count - used);
                pieces.Add(new Piece(current, used, take));
                used += take;
                filled += take;
            }
            yield return Assemble(index, pieces);
        }
    }

    private FileSamples Load(TensorFile file)
    {
        var arrays = file.Read();
        var byName = new Dictionary<string, TypedArray>(StringComparer.Ordinal);
        foreach (var (name, array) in arrays)
        {
            if (inputs.All(i => i.Name != name))
                throw new CalibException(
                    $"'{file.Label}' holds an array '{name}', but the model has no input of that name; its inputs are " +
                    $"{string.Join(", ", inputs.Select(i => i.Describe()))}: key the arrays by input name.");
            byName[name] = array;
        }
        long? count = null;
        var checkedArrays = new Dictionary<string, TypedArray>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!byName.TryGetValue(input.Name, out var array))
                throw new CalibException($"'{file.Label}' has no array for input {input.Describe()}: add one ({input.Expected()}).");
            var (samples, shaped) = Check(file.Label, input, array);
            if (samples is { } n)
            {
                if (count is { } other && other != n)
                    throw new CalibException(
                        $"'{file.Label}': input '{input.Name}' holds {n} samples but another input holds {other}: the batched inputs of one file must hold the same number of samples.");
                count = n;
            }
            checkedArrays[input.Name] = shaped;
        }
        return new FileSamples(file.Label, count ?? 1, checkedArrays);
    }

    /// <summary>Checks <paramref name="array"/> against <paramref name="input"/>; returns its sample count (null when the input does not batch) and the array, batched ones as [n, …].</summary>
    private static (long? Samples, TypedArray Array) Check(string label, TensorInput input, TypedArray array)
    {
        string Problem(string what) =>
            $"'{label}': input '{input.Name}' {what}; the model takes {input.Expected()}.";
        if (array.ElementType != input.ElementType)
            throw new CalibException(Problem($"is {array.TypeName} {array.ShapeText}") + $" Convert it (numpy: array.astype(numpy.{ElementTypes.Name(input.ElementType).Replace("bool", "bool_")})).");
        var sample = input.SampleShape;
        TypedArray batched;
        if (input.Batched && array.Shape.Length == sample.Count) batched = array with { Shape = [1, .. array.Shape] };
        else if (array.Shape.Length == input.Shape.Count) batched = array;
        else throw new CalibException(Problem($"has shape {array.ShapeText} (rank {array.Shape.Length})"));
        var offset = input.Batched ? 1 : 0;
        for (var axis = 0; axis < input.Shape.Count - offset; axis++)
            if (sample[axis].Value is { } size && batched.Shape[axis + offset] != size)
                throw new CalibException(Problem($"has shape {array.ShapeText}"));
        if (batched.NonFinite() is > 0 and var bad)
            throw new CalibException($"'{label}': input '{input.Name}' holds {bad} NaN or infinite values: calibration data must be finite.");
        return (input.Batched ? batched.Shape[0] : null, batched);
    }

    private ModelFeed Assemble(int index, List<Piece> pieces)
    {
        var feed = new Dictionary<string, TypedArray>(StringComparer.Ordinal);
        foreach (var input in inputs)
            feed[input.Name] = input.Batched ? Concatenate(input, pieces) : Shared(input, pieces);
        var samples = pieces.Sum(p => p.Count);
        return new ModelFeed(index, feed, pieces.Select(p => p.File.Label).Distinct().ToList(), samples);
    }

    private static TypedArray Concatenate(TensorInput input, List<Piece> pieces)
    {
        var first = pieces[0].File.Arrays[input.Name];
        var sampleShape = first.Shape[1..];
        foreach (var piece in pieces)
        {
            var shape = piece.File.Arrays[input.Name].Shape[1..];
            if (!shape.SequenceEqual(sampleShape))
                throw new CalibException(
                    $"Input '{input.Name}': samples of [{string.Join(",", sampleShape)}] ('{pieces[0].File.Label}') and [{string.Join(",", shape)}] " +
                    $"('{piece.File.Label}') fall into one batch: samples of different shapes cannot be batched; use --batch-size 1.");
        }
        var sampleBytes = first.Data.Length / first.Shape[0];
        var total = pieces.Sum(p => p.Count);
        var data = new byte[total * sampleBytes];
        long at = 0;
        foreach (var piece in pieces)
        {
            var source = piece.File.Arrays[input.Name].Data;
            Array.Copy(source, piece.Start * sampleBytes, data, at, piece.Count * sampleBytes);
            at += piece.Count * sampleBytes;
        }
        return new TypedArray(input.ElementType, [total, .. sampleShape], data);
    }

    private static TypedArray Shared(TensorInput input, List<Piece> pieces)
    {
        var first = pieces[0].File.Arrays[input.Name];
        foreach (var piece in pieces.Skip(1))
        {
            var other = piece.File.Arrays[input.Name];
            if (!other.Shape.SequenceEqual(first.Shape) || !other.Data.AsSpan().SequenceEqual(first.Data))
                throw new CalibException(
                    $"Input {input.Describe()} does not batch, and '{pieces[0].File.Label}' and '{piece.File.Label}' give it different values in one batch: use --batch-size 1.");
        }
        return first;
    }
}
