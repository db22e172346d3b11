using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Quantization;
using Calib.Graph.Execution;
using Calib.Graph.Onnx;
using Calib.Graph.Shapes;

namespace Calib.Bench;

/// <summary>A float model with its calibration data and settings, as <c>calib run</c> would be given them.</summary>
/// <param name="Name">The name shown in the report.</param>
/// <param name="ModelPath">The float .onnx model.</param>
/// <param name="Images">The calibration folder: images, or tensor files (.npz) when <paramref name="Preprocessing"/> is null.</param>
/// <param name="Preprocessing">How images become model input; null for tensor data.</param>
/// <param name="BatchSize">Calibration --batch-size.</param>
/// <param name="BatchNum">Calibration --batch-num.</param>
/// <param name="Execution">ONNX Runtime settings for calibration and inference.</param>
internal sealed record Workload(
    string Name, string ModelPath, string Images, Preprocessing? Preprocessing, int BatchSize, int BatchNum, ExecutionOptions Execution)
{
    /// <summary>The name of the sample workload.</summary>
    public const string SampleName = "fmnist_resnet";

    /// <summary>The name of the ResNet-18 workload.</summary>
    public const string ResNet18Name = "resnet18";

    /// <summary>The name of the transformer workload.</summary>
    public const string TransformerName = "transformer";

    /// <summary>The project's sample: fmnist_resnet with its training normalization, 8 batches of 32.</summary>
    public static Workload Sample(RepoLayout repo, ExecutionOptions execution) =>
        new(SampleName, repo.SampleModel, repo.CalibrationImages, new Preprocessing { Mean = [0.2860f], Std = [0.3530f] }, 32, 8, execution);

    /// <summary>A 1×28×28 net fed the sample's images with the sample's normalization, 8 batches of 32.</summary>
    public static Workload OneChannel(string name, string modelPath, RepoLayout repo, ExecutionOptions execution) =>
        new(name, modelPath, repo.CalibrationImages, new Preprocessing { Mean = [0.2860f], Std = [0.3530f] }, 32, 8, execution);

    /// <summary>
    /// The ResNet-18-sized model fed the sample's 28×28 grayscale images resized to 224 (the reader
    /// replicates gray into the 3 channels) with ImageNet normalization, 4 batches of 2.
    /// </summary>
    public static Workload ResNet18(RepoLayout repo, string modelPath, ExecutionOptions execution) =>
        new(ResNet18Name, modelPath, repo.CalibrationImages, Preprocessing.Preset("imagenet") with { Resize = (224, 224), Crop = null }, 2, 4, execution);

    /// <summary>
    /// The model zoo's 2-layer transformer encoder (int64 input_ids/attention_mask, sequence length 32) on its
    /// .npz calibration samples (<see cref="BenchNets.EnsureTransformer"/>), 8 batches of 4.
    /// </summary>
    public static Workload Transformer(string folder, ExecutionOptions execution) =>
        new(TransformerName, Path.Combine(folder, "model.onnx"), Path.Combine(folder, "calib"), null, 4, 8, execution);

    /// <summary>The calibration request, with this workload's batches unless <paramref name="batchSize"/>/<paramref name="batchNum"/> say otherwise.</summary>
    public CalibrationRequest Request(string outputDirectory, int? batchSize = null, int? batchNum = null) => new()
    {
        ModelPath = ModelPath,
        CalibrationSet = Images,
        BatchSize = batchSize ?? BatchSize,
        Preprocessing = Preprocessing,
        Overrides = new SettingOverrides { BatchNum = batchNum ?? BatchNum },
        OutputDirectory = outputDirectory,
        Execution = Execution,
    };

    /// <summary>Reads <paramref name="count"/> batches of <paramref name="size"/> samples, every model input fed, as calibration sees them.</summary>
    public IReadOnlyList<ModelFeed> ReadFeeds(int size, int count)
    {
        var model = OnnxModelFile.Load(ModelPath);
        if (Preprocessing is null)
            return TensorCalibrationData.Open(Images, model, ModelPath)!.ReadBatches(size, count).ToList();
        var input = model.Graph.RuntimeInputs.Single();
        var layout = InputLayout.FromTensor(TensorInfoCatalog.FromDeclarations(model).Find(input.Name)!);
        using var reader = new BatchReader(CalibrationSet.Open(Images), layout, Preprocessing, size, count);
        return reader.ReadBatches().Select(batch => ModelFeed.Of(batch, input.Name)).ToList();
    }

    /// <summary>The deploy model that a calibration into <paramref name="outputDirectory"/> wrote.</summary>
    public string DeployModelIn(string outputDirectory) =>
        Path.Combine(outputDirectory, $"{Path.GetFileNameWithoutExtension(ModelPath)}_deploy.onnx");
}
