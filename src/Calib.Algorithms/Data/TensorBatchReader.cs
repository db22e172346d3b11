using Calib.Graph;
using Calib.Graph.IO;

namespace Calib.Algorithms.Data;

/// <summary>
/// Reads tensor calibration data as model feeds, one file in memory at a time, so memory does not
/// grow with the number of batches: for calibration exactly <c>batchCount</c> batches of
/// <c>batchSize</c> samples taken in file order; for the checks after it, chosen samples by identity.
/// Every array is checked against its input (<see cref="TensorInput"/> states the batching rule): a
/// batched file is split across batches as needed; samples of one batch must share their shape;
/// inputs that do not batch must hold the same value in every sample of a batch.
/// </summary>
/// <param name="inputs">The inputs the files feed.</param>
/// <param name="location">The data as given, for messages.</param>
/// <param name="fedElsewhere">Inputs fed by other data (an image folder), with what feeds them, for messages; null when none.</param>
internal sealed class TensorBatchReader(IReadOnlyList<TensorInput> inputs, string location, IReadOnlyDictionary<string, string>? fedElsewhere = null)
{
    /// <summary>One file's arrays, checked: the batched ones as [count, …sample shape].</summary>
    private sealed record FileSamples(string Label, long Count, Dictionary<string, TypedArray> Arrays);

    /// <summary>A run of samples of one file that goes into a batch.</summary>
    private sealed record Piece(FileSamples File, long Start, long Count);

    /// <summary>Calibration's batches, in order: exactly <paramref name="batchCount"/> × <paramref name="batchSize"/> samples from <paramref name="files"/> in order; each enumeration reads the files again.</summary>
    /// <exception cref="CalibException">A file does not fit its input, or the files hold too few samples.</exception>
    public IEnumerable<ModelFeed> Calibration(IReadOnlyList<TensorFile> files, int batchSize, int batchCount)
    {
        var total = (long)batchCount * batchSize;
        return Batches(files.Select(f => (f, 0L, (long?)null)), batchSize, total, made => new CalibException(
            $"Calibration needs --batch-num {batchCount} × --batch-size {batchSize} = {total} samples, " +
            $"but the {files.Count} files of '{location}' hold only {made}: add data or lower --batch-num or --batch-size."));
    }

    /// <summary>The samples of <paramref name="runs"/>, in order, at most <paramref name="limit"/>, in batches of <paramref name="batchSize"/> (the last holds the rest).</summary>
    /// <exception cref="CalibException">A file does not fit its input.</exception>
    public IEnumerable<ModelFeed> Covering(IEnumerable<(TensorFile File, SampleRun Run)> runs, int batchSize, long limit) =>
        Batches(runs.Select(r => (r.File, r.Run.Start, r.Run.Count)), batchSize, limit, shortfall: null);

    /// <summary>One batch of one sample from each of <paramref name="files"/> (the partners of a batch of images).</summary>
    /// <exception cref="CalibException">A file does not fit its inputs or holds more than one sample.</exception>
    public ModelFeed Paired(int index, IReadOnlyList<TensorFile> files, string partnerOf) => Assemble(index, files.Select(file =>
    {
        var samples = Load(file);
        return samples.Count == 1 ? new Piece(samples, 0, 1) : throw new CalibException(
            $"'{file.Label}' holds {samples.Count} samples, but it pairs with one {partnerOf}: give each {partnerOf} a .npz of one sample " +
            $"({string.Join("; ", inputs.Select(i => $"'{i.Name}': {i.Expected()}"))}).");
    }).ToList());

    private IEnumerable<ModelFeed> Batches(IEnumerable<(TensorFile File, long Start, long? Count)> sources, int batchSize, long total,
        Func<long, Exception>? shortfall)
    {
        var pieces = new List<Piece>();
        long filled = 0, made = 0;
        var index = 0;
        FileSamples? loaded = null;
        foreach (var (file, start, count) in sources)
        {
            if (made == total) break;
            // Runs of one file follow each other: it is read once for all of them.
            if (loaded?.Label != file.Label) loaded = Load(file);
            var end = count is { } c ? Math.Min(start + c, loaded.Count) : loaded.Count;
            for (var at = start; at < end && made < total;)
            {
                var take = Math.Min(Math.Min(batchSize - filled, end - at), total - made);
                pieces.Add(new Piece(loaded, at, take));
                (at, filled, made) = (at + take, filled + take, made + take);
                if (filled < batchSize) continue;
                yield return Assemble(index++, pieces);
                (pieces, filled) = ([], 0);
            }
        }
        if (made < total && shortfall is not null) throw shortfall(made);
        if (pieces.Count > 0) yield return Assemble(index, pieces);
    }

    private FileSamples Load(TensorFile file)
    {
        var arrays = file.Read();
        var byName = new Dictionary<string, TypedArray>(StringComparer.Ordinal);
        foreach (var (name, array) in arrays)
        {
            if (fedElsewhere?.GetValueOrDefault(name) is { } feeder)
                throw new CalibException(
                    $"'{file.Label}' holds an array '{name}', but input '{name}' is fed by {feeder}: an input takes one source; drop '{name}' from the .npz files.");
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
        var runs = pieces.Select(p => new SampleRun(p.File.Label, p.Start, p.Count)).ToList();
        return new ModelFeed(index, feed, runs, pieces.Sum(p => p.Count));
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
