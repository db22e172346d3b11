using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.IO;
using Calib.Graph.Shapes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Data;

/// <summary>
/// Calibration data for a multi-input model with one image input: images feed the image input (with
/// every preprocessing flag), and each image's .npz partner — the .npz file of the same stem (relative
/// path without extension) — feeds the other inputs, keyed by input name, one sample per file. The
/// partners sit beside the images (<c>calib/0001.png</c> + <c>calib/0001.npz</c>) or in a second folder
/// (<c>--calib-set "images;extras"</c>: <c>images/0001.png</c> + <c>extras/0001.npz</c>). A sample is
/// named by its image.
/// </summary>
public sealed class MixedCalibrationData : CalibrationData
{
    private readonly CalibrationSet _images;
    private readonly ModelInput _imageInput;
    private readonly IReadOnlyList<TensorInput> _others;
    private readonly IReadOnlyDictionary<string, TensorFile> _partners;
    private readonly TensorBatchReader _reader;
    private readonly string _modelPath;
    private readonly CalibrationDataOptions _options;

    private MixedCalibrationData(string location, CalibrationSet images, ModelInput imageInput, IReadOnlyList<TensorInput> others,
        IReadOnlyDictionary<string, TensorFile> partners, string modelPath, CalibrationDataOptions options) : base(location)
    {
        _images = images;
        _imageInput = imageInput;
        _others = others;
        _partners = partners;
        _modelPath = modelPath;
        _options = options;
        _reader = new TensorBatchReader(others, location,
            new Dictionary<string, string> { [imageInput.Name] = $"the images of '{images.Directory}'" });
    }

    /// <inheritdoc/>
    public override string Noun => "samples";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Files => _images.Files;

    /// <inheritdoc/>
    public override bool FilesHoldOneSample => true;

    /// <inheritdoc/>
    public override (string Input, long Size)? FixedBatch => _imageInput.FixedBatch is > 1 and var size ? (_imageInput.Name, size) : null;

    /// <summary>
    /// The mixed data <paramref name="location"/> gives <paramref name="model"/>, or null when it is not
    /// images for a multi-input model (or per-input folders are described by --input-shape/--data-types).
    /// </summary>
    /// <exception cref="CalibException">Images for a multi-input model that cannot be paired: the message names the file or input and the fix.</exception>
    public static MixedCalibrationData? TryOpen(string location, OnnxModel model, string modelPath, CalibrationDataOptions options)
    {
        if (model.Graph.RuntimeInputs.Count() < 2 || options.TensorData is not null) return null;
        var folders = Directory.Exists(location) ? [location]
            : location.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (!folders.All(Directory.Exists)) return null; // the tensor path names the missing folder
        var contents = folders.Select(f => (Folder: f, Files: Listing(f))).ToList();
        var imageFolders = contents.Where(c => c.Files.Any(CalibrationSet.IsImage)).ToList();
        if (imageFolders.Count == 0) return null;
        var inputs = TensorInput.Of(model, modelPath);
        var imageInput = ImageInput(model, modelPath, inputs);
        var others = inputs.Where(i => i.Name != imageInput.Name).ToList();
        if (folders.Length > 2 || imageFolders.Count > 1)
            throw new CalibException(
                $"Calibration data '{location}': give the images for input '{imageInput.Name}' and their .npz partners for {Names(others)} as one folder, " +
                "or as two, the images first: --calib-set \"images;extras\".");
        var imageFolder = imageFolders[0].Folder;
        var npzFolder = folders.Length == 2 ? folders.Single(f => f != imageFolder) : imageFolder;
        if (folders.Length == 2 && folders[0] != imageFolder)
            throw new CalibException($"Calibration data '{location}': name the image folder first, then the .npz folder: --calib-set \"{imageFolder};{npzFolder}\".");
        var stray = contents.SelectMany(c => c.Files).FirstOrDefault(f => CalibrationSet.IsNpy(f));
        if (stray is not null)
            throw new CalibException($"Calibration data '{location}' holds images and a .npy file ('{stray}'): the inputs besides the image input '{imageInput.Name}' take .npz files keyed by input name, one per image.");
        var images = CalibrationSet.Open(imageFolder, allowNpy: false);
        var partners = Pair(images, npzFolder, imageInput, others, modelPath);
        return new MixedCalibrationData(location, images, imageInput, others, partners, modelPath, options);
    }

    /// <inheritdoc/>
    public override int BatchSize(int? requested, int fallback, string modelPath) =>
        TensorCalibrationData.CheckBatchSize(_others, _imageInput.BatchSize(requested, fallback, modelPath), modelPath);

    /// <inheritdoc/>
    public override IEnumerable<ModelFeed> ReadBatches(int batchSize, int batchCount)
    {
        using var reader = new BatchReader(_images, _imageInput.Layout, _options.Preprocessing, batchSize, batchCount, ReaderOptions);
        foreach (var batch in CheckingRawPixels(reader.ReadBatches(), _options, _modelPath)) yield return WithPartners(batch);
    }

    /// <inheritdoc/>
    public override IEnumerable<ModelFeed> Read(IReadOnlyList<SampleRun> runs, int batchSize, long limit = long.MaxValue)
    {
        if (OneSampleFiles(runs, limit) is not { } files) yield break;
        using var reader = BatchReader.Covering(files, _imageInput.Layout, _options.Preprocessing, batchSize, ReaderOptions);
        foreach (var batch in reader.ReadBatches()) yield return WithPartners(batch);
    }

    private BatchReaderOptions ReaderOptions => new() { SkipUndecodable = _options.SkipUndecodable, Warn = _options.Warn };

    // The image batch, and the .npz partners of exactly the images it holds (skipped images have none in it).
    private ModelFeed WithPartners(Batch batch)
    {
        var feed = ModelFeed.Of(batch, _imageInput.Name);
        var rest = _reader.Paired(batch.Index, batch.Files.Select(file => _partners[file]).ToList(), "image");
        var inputs = new Dictionary<string, TypedArray>(rest.Inputs, StringComparer.Ordinal) { [_imageInput.Name] = feed.Inputs[_imageInput.Name] };
        return feed with { Inputs = inputs };
    }

    /// <summary>The one float32 NCHW input with 1 or 3 channels: the input images can feed.</summary>
    private static ModelInput ImageInput(OnnxModel model, string modelPath, IReadOnlyList<TensorInput> inputs)
    {
        var candidates = inputs.Where(i => i.ElementType == DataType.Float && i.Shape.Count == 4 && i.Shape[1].Value is 1 or 3).ToList();
        if (candidates.Count != 1)
            throw new CalibException(candidates.Count == 0
                ? $"Model '{modelPath}' has no image input (float32 [N,1|3,H,W]) among its inputs {Names(inputs)}: images cannot feed it; give its calibration data as .npz files keyed by input name."
                : $"Model '{modelPath}' has {candidates.Count} image inputs ({Names(candidates)}): images feed only one; give its calibration data as .npz files keyed by input name.");
        var info = TensorInfoCatalog.FromDeclarations(model).Find(candidates[0].Name)!;
        return new ModelInput(info.Name, InputLayout.FromTensor(info), info.DimensionOrNull(0) is > 0 and var n ? n : null);
    }

    /// <summary>Each image's .npz partner, by image file.</summary>
    /// <exception cref="CalibException">An image without a partner, a partner without an image, or two images of one stem.</exception>
    private static Dictionary<string, TensorFile> Pair(CalibrationSet images, string npzFolder, ModelInput imageInput, IReadOnlyList<TensorInput> others,
        string modelPath)
    {
        var npz = Listing(npzFolder).Where(f => Path.GetExtension(f).Equals(".npz", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(f => Stem(npzFolder, f), StringComparer.Ordinal);
        var byStem = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var image in images.Files)
            if (!byStem.TryAdd(Stem(images.Directory, image), image))
                throw new CalibException(
                    $"'{byStem[Stem(images.Directory, image)]}' and '{image}' share the stem '{Stem(images.Directory, image)}': each image pairs with the .npz of its stem, so give each image its own name.");
        var counts = npz.Count == byStem.Count ? ""
            : $"'{images.Directory}' holds {byStem.Count} images but '{npzFolder}' holds {npz.Count} .npz files, and ";
        if (npz.Count == 0)
            throw new CalibException(
                $"Model '{modelPath}' has {others.Count + 1} inputs: the images of '{images.Directory}' feed its image input '{imageInput.Name}', and " +
                $"{Names(others)} need .npz files keyed by input name, one per image, named by the image's stem: beside the images " +
                $"('0001.png' + '0001.npz') or in a second folder, --calib-set \"{images.Directory};extras\".");
        if (byStem.FirstOrDefault(p => !npz.ContainsKey(p.Key)) is { Value: { } lonely } unpaired)
            throw new CalibException($"{counts}'{lonely}' has no .npz partner: images pair with .npz files by stem, so add '{Path.Combine(npzFolder, unpaired.Key + ".npz")}' " +
                $"holding {Names(others)}.");
        if (npz.FirstOrDefault(p => !byStem.ContainsKey(p.Key)) is { Value: { } orphan } partner)
            throw new CalibException($"{counts}'{orphan}' has no image partner: .npz files pair with images by stem, so add an image '{partner.Key}.png' (or .jpg, .bmp) " +
                $"to '{images.Directory}' or remove the .npz file.");
        return byStem.ToDictionary(p => p.Value, p => new TensorFile(npz[p.Key], () => NpzFile.Read(npz[p.Key])), StringComparer.Ordinal);
    }

    private static List<string> Listing(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden }).ToList();

    private static string Stem(string folder, string file) => Path.ChangeExtension(Path.GetRelativePath(folder, file), null).Replace('\\', '/');

    private static string Names(IEnumerable<TensorInput> inputs) => string.Join(", ", inputs.Select(i => i.Describe()));
}
