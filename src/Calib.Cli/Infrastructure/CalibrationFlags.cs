using System.CommandLine;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Data;
using Calib.Algorithms.Quantization;
using Calib.Graph;

namespace Calib.Cli.Infrastructure;

/// <summary>The flags of every command that calibrates (run, retrain export), and the request they make.</summary>
internal sealed class CalibrationFlags
{
    public ModelOptions Model { get; } = new();
    public CalibrationSetOptions Images { get; } = new(calibSetRequired: true,
        "Calibration data: a folder of images (PNG, JPEG, BMP; searched recursively), .npy tensors or .npz files keyed by input name; " +
        "or one folder per input, \"dirA;dirB\" (.npy or raw .bin files paired by sorted name); or, for a multi-input model, images for its image input " +
        "with .npz files of the same stems for the rest, in one folder or as \"images;extras\".");
    public Option<string?> DataTypes { get; } = new("--data-types") { Description = "With --data-dir: the element type of each folder's .bin files, \"float32;int64\" (default: the model's input types)." };
    public Option<string?> Config { get; } = new("--config") { Description = "Quantization config: AMCT's detailed JSON (calib config init) or simplified .cfg. Flags given here override it." };
    public Option<string?> ActAlgo { get; } = new("--act-algo") { Description = "Activation algorithm for every layer: ifmr (AMCT's default), hfmg, minmax, percentile, entropy, mse." };
    public Option<bool> BiasCorrection { get; } = new("--bias-correction")
    {
        Description = "Always correct each layer's bias for the mean shift quantization causes in its output (by default tried with the range choice and kept when it raises the output SQNR by 1 dB).",
    };
    public Option<bool> NoBiasCorrection { get; } = new("--no-bias-correction") { Description = "Never correct biases (see --bias-correction)." };
    public Option<bool> Symmetric { get; } = new("--symmetric") { Description = "int8 symmetric activations (AMCT activation_offset: false) instead of uint8 with an offset; 2–3× slower in ONNX Runtime's CPU integer kernels." };
    public Option<bool> PerTensor { get; } = new("--per-tensor-weights") { Description = "One weight scale per tensor instead of per output channel." };
    public Option<bool> Equalize { get; } = new("--equalize")
    {
        Description = "Cross-layer equalization before calibrating: rescale consecutive layers' weights per channel (through ReLU/PReLU/MaxPool) " +
                      "so their ranges match; the float outputs are unchanged and the written weights are the equalized ones (docs/FIDELITY.md).",
    };
    public Option<bool> NoFusion { get; } = new("--no-fusion") { Description = "Do not fold BatchNorm or drop pass-through nodes (AMCT do_fusion: false)." };
    public Option<string?> Output { get; } = new Option<string?>("--output", "-o") { Description = "Output folder (default ./calib-out/<model>/)." }.NamesFolder();
    public ExecutionFlags Execution { get; } = new();
    public Option<bool> SkipBad { get; } = new("--skip-bad-images") { Description = "Skip images that do not decode, with a warning, instead of failing (the fidelity check holds out neither them nor the ones used)." };
    public PreprocessingOptions Preprocessing { get; } = new();

    /// <summary>Adds every flag to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        Option[] options = [.. Model.All, .. Images.All, DataTypes, Config, ActAlgo, BiasCorrection, NoBiasCorrection, Equalize, Symmetric, PerTensor, NoFusion, Output, .. Execution.All, SkipBad];
        foreach (var option in options.Concat(Preprocessing.All)) command.Options.Add(option);
    }

    /// <summary>The calibration request the parsed flags describe.</summary>
    public CalibrationRequest Request(ParseResult parse)
    {
        var modelPath = Model.ModelPath(parse);
        return new CalibrationRequest
        {
            ModelPath = modelPath,
            WeightsPath = Model.WeightsPath(parse),
            InputShape = Model.Shape(parse),
            CalibrationSet = parse.GetValue(Images.CalibSet)!,
            TensorData = TensorData(parse),
            BatchSize = parse.GetValue(Images.BatchSize),
            Preprocessing = Preprocessing.ResolveOrNull(parse),
            ConfigPath = parse.GetValue(Config),
            Overrides = new SettingOverrides
            {
                BatchNum = parse.GetValue(Images.BatchNum),
                Algorithm = parse.GetValue(ActAlgo) is { } name ? ParseAlgorithm(name) : null,
                ActivationOffset = parse.GetValue(Symmetric) ? false : null,
                ChannelWise = parse.GetValue(PerTensor) ? false : null,
                DoFusion = parse.GetValue(NoFusion) ? false : null,
            },
            OutputDirectory = parse.GetValue(Output) ?? CalibrationRun.DefaultOutputDirectory(modelPath),
            Execution = Execution.Resolve(parse),
            SkipUndecodable = parse.GetValue(SkipBad),
            BiasCorrection = BiasCorrectionMode(parse),
            Equalize = parse.GetValue(Equalize),
        };
    }

    private BiasCorrectionMode BiasCorrectionMode(ParseResult parse) => (parse.GetValue(BiasCorrection), parse.GetValue(NoBiasCorrection)) switch
    {
        (true, true) => throw new CalibException("--bias-correction and --no-bias-correction contradict each other: drop one."),
        (true, false) => Algorithms.Workflows.BiasCorrectionMode.On,
        (false, true) => Algorithms.Workflows.BiasCorrectionMode.Off,
        _ => Algorithms.Workflows.BiasCorrectionMode.Auto,
    };

    private TensorDataOptions? TensorData(ParseResult parse)
    {
        var shapes = Model.NamedShapes(parse);
        var types = parse.GetValue(DataTypes) is { } text ? TensorDataOptions.ParseTypes(text) : null;
        return shapes is null && types is null ? null : new TensorDataOptions(shapes, types);
    }

    private static ActivationAlgorithm ParseAlgorithm(string name) => QuantConfig.ParseAlgorithm(name)
        ?? throw new CalibException($"--act-algo '{name}' is not one of ifmr, hfmg, minmax, percentile, entropy, mse.");
}
