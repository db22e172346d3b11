using Calib.Algorithms.Calibration;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Export;
using Calib.Algorithms.Placement;
using Calib.Algorithms.Preparation;
using Calib.Algorithms.Quantization;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Workflows;

/// <summary>
/// A model calibrated in memory, before anything is written: the plan, the quantization chosen and
/// the statistics behind it. Keeping the statistics lets layers be put back to float without
/// observing the calibration set again.
/// </summary>
public sealed class CalibratedModel
{
    internal CalibratedModel(PreparedModel prepared, CalibrationRequest request, CalibrationPlan plan, QuantizationResult result, QuantConfig config,
        ActivationStatistics statistics, TimeSpan elapsed, Data.Preprocessing preprocessing, Data.CalibrationData data)
    {
        Prepared = prepared;
        CalibrationData = data;
        Preprocessing = preprocessing;
        Request = request;
        Plan = plan;
        Result = result;
        Config = config;
        Statistics = statistics;
        Elapsed = elapsed;
    }

    /// <summary>The model as loaded and prepared.</summary>
    public PreparedModel Prepared { get; }

    /// <summary>The run's inputs and settings.</summary>
    public CalibrationRequest Request { get; }

    /// <summary>What is quantized, and why the rest is not.</summary>
    public CalibrationPlan Plan { get; }

    /// <summary>Scales, zero points and weights.</summary>
    public QuantizationResult Result { get; }

    /// <summary>The resolved configuration.</summary>
    public QuantConfig Config { get; }

    /// <summary>The histograms of every observed tensor, and which samples were fed (<see cref="ActivationStatistics.Fed"/>).</summary>
    public ActivationStatistics Statistics { get; }

    /// <summary>The calibration data, as opened for the observation: the checks after calibration read its samples again by identity.</summary>
    public Data.CalibrationData CalibrationData { get; }

    /// <summary>The preprocessing the calibration images got: the request's, else the model's own (recorded by calib, or Caffe transform_param).</summary>
    public Data.Preprocessing Preprocessing { get; }

    /// <summary>Where <see cref="Preprocessing"/> came from (see <see cref="Data.PreprocessingMetadata.Resolve"/>).</summary>
    public string PreprocessingSource { get; init; } = Data.PreprocessingMetadata.None;

    /// <summary>What <c>--optimize-for speed</c> decided and measured; null for the other goals.</summary>
    public PlacementResult? Placement { get; private init; }

    /// <summary>
    /// The quantization of the layers a speed placement keeps float. They leave both models, but not the
    /// AMCT record: where the record is consumed (an Ascend deployment), ONNX Runtime's speed on this CPU says
    /// nothing about them.
    /// </summary>
    public IReadOnlyList<LayerQuantization> KeptFloatForSpeed { get; private init; } = [];

    /// <summary>What the AMCT record holds: every quantized layer, and every layer kept float for speed, in graph order.</summary>
    public QuantizationResult RecordResult
    {
        get
        {
            if (KeptFloatForSpeed.Count == 0) return Result;
            var kept = KeptFloatForSpeed.Concat(Result.Layers).ToDictionary(l => l.Layer.Name, StringComparer.Ordinal);
            return Result with { Layers = [.. Plan.Model.Graph.Nodes.Where(n => kept.ContainsKey(n.Name)).Select(n => kept[n.Name])] };
        }
    }

    /// <summary>The corrected bias of each layer, by layer name (see <see cref="BiasCorrection"/>); empty when biases are the model's.</summary>
    public IReadOnlyDictionary<string, float[]> CorrectedBiases { get; private init; } = new Dictionary<string, float[]>();

    /// <summary>What bias correction measured and decided; null when it was not tried.</summary>
    public BiasCorrectionResult? BiasCorrection { get; private init; }

    /// <summary>Wall time of the calibration.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The model file name without extension: the stem of every output file.</summary>
    public string ModelName => Prepared.Name;

    /// <summary>The fake-quant model (see <see cref="QdqModels.FakeQuant"/>).</summary>
    public OnnxModel FakeQuantModel() => QdqModels.FakeQuant(Plan, Result);

    /// <summary>The deploy model (see <see cref="QdqModels.Deploy"/>).</summary>
    public OnnxModel DeployModel() => QdqModels.Deploy(Plan, Result);

    /// <summary>
    /// The fake-quant model with <paramref name="floatLayers"/> left in float: the other layers keep
    /// exactly the quantization of this calibration.
    /// </summary>
    public OnnxModel FakeQuantModelWithout(IReadOnlySet<string> floatLayers) =>
        QdqModels.FakeQuant(Plan, Result with { Layers = Result.Layers.Where(l => !floatLayers.Contains(l.Layer.Name)).ToList() });

    /// <summary>
    /// This calibration as if --act-algo <paramref name="algorithm"/> had been given: every layer's and
    /// deploy tensor's range is searched again from the collected statistics, without observing again.
    /// </summary>
    public CalibratedModel WithAlgorithm(ActivationAlgorithm algorithm)
    {
        var request = Request with { Overrides = Request.Overrides with { Algorithm = algorithm } };
        var config = Config.WithAlgorithm(algorithm);
        var plan = CalibrationPlan.Build(Plan.Model, Plan.Verdicts, config, floatIslands: Plan.FloatIslands, integerLayerOutputs: Plan.IntegerLayerOutputs);
        var result = LayerQuantizer.Quantize(plan, Statistics, ConfigResolution.DeployDefaults(config, request.Overrides));
        // Other ranges void the bias corrections measured for these.
        return Derived(request, plan, result, config, correction: (new Dictionary<string, float[]>(), null));
    }

    /// <summary>
    /// This calibration with <paramref name="biases"/> (layer name → corrected bias, from
    /// <see cref="Calibration.BiasCorrection.Measure"/>) written into both models, and <paramref name="trial"/> recorded.
    /// </summary>
    public CalibratedModel WithCorrectedBiases(IReadOnlyDictionary<string, float[]> biases, BiasCorrectionResult? trial) =>
        Derived(Request, Plan, Result, Config, correction: (biases, trial));

    /// <summary>
    /// This calibration as if the configuration had disabled <paramref name="layers"/>
    /// (<c>quant_enable: false</c>): plan and quantization are rebuilt from the collected statistics,
    /// so the result is what a run with that configuration gives, without observing again.
    /// </summary>
    public CalibratedModel KeepingFloat(IReadOnlyCollection<string> layers) =>
        Rebuilt(layers, Plan.FloatIslands, [.. KeptFloatForSpeed.Where(l => !layers.Contains(l.Layer.Name))]);

    /// <summary>
    /// <see cref="KeepingFloat(IReadOnlyCollection{string})"/> for speed: the layers' outputs stay float in
    /// the deploy model too, so that ONNX Runtime cannot fuse them back into integer kernels (AveragePool
    /// between 8-bit tensors becomes QLinearAveragePool).
    /// </summary>
    public CalibratedModel KeepingFloatForSpeed(IReadOnlyCollection<string> layers) =>
        Rebuilt(layers, Plan.FloatIslands.Concat(layers).ToHashSet(StringComparer.Ordinal),
            [.. KeptFloatForSpeed, .. Result.Layers.Where(l => layers.Contains(l.Layer.Name))]);

    private CalibratedModel Rebuilt(IReadOnlyCollection<string> layers, IReadOnlySet<string> islands, IReadOnlyList<LayerQuantization> keptFloatForSpeed)
    {
        var config = Config.WithLayersDisabled(layers);
        var plan = CalibrationPlan.Build(Plan.Model, Plan.Verdicts, config, floatIslands: islands, integerLayerOutputs: Plan.IntegerLayerOutputs);
        var result = LayerQuantizer.Quantize(plan, Statistics, ConfigResolution.DeployDefaults(config, Request.Overrides));
        return Derived(Request, plan, result, config, keptFloatForSpeed: keptFloatForSpeed);
    }

    /// <summary>This calibration with the speed placement that produced it recorded (its layers already kept float).</summary>
    public CalibratedModel WithPlacement(PlacementResult placement) => Derived(Request, Plan, Result, Config, placement);

    // A re-derived calibration keeps everything the run established besides what it re-derives. A layer's
    // bias correction depends on its own quantization only, so it holds whichever other layers stay float.
    private CalibratedModel Derived(CalibrationRequest request, CalibrationPlan plan, QuantizationResult result, QuantConfig config,
        PlacementResult? placement = null, (IReadOnlyDictionary<string, float[]> Biases, BiasCorrectionResult? Trial)? correction = null,
        IReadOnlyList<LayerQuantization>? keptFloatForSpeed = null)
    {
        var (biases, trial) = correction ?? (CorrectedBiases, BiasCorrection);
        return new(Prepared, request, plan, Calibration.BiasCorrection.Apply(result, biases), config, Statistics, Elapsed, Preprocessing, CalibrationData)
        {
            PreprocessingSource = PreprocessingSource,
            Placement = placement ?? Placement,
            KeptFloatForSpeed = keptFloatForSpeed ?? KeptFloatForSpeed,
            CorrectedBiases = biases,
            BiasCorrection = trial,
        };
    }
}
