using Calib.Algorithms.Configuration;
using Calib.Graph;
using Calib.Graph.Analysis;
using Calib.Graph.Ir;
using Calib.Graph.Quantization;

namespace Calib.Algorithms.Calibration;

/// <summary>
/// What a calibration run does on a prepared model: which layers are quantized (and why the
/// others are not), which tensors are observed, and which the deploy model carries in 8 bits.
/// </summary>
public sealed class CalibrationPlan
{
    /// <summary>ONNX's QuantizeLinear/DequantizeLinear take a per-channel axis from opset 13.</summary>
    public const long PerChannelOpset = 13;

    private CalibrationPlan(OnnxModel model, IReadOnlyList<LayerVerdict> verdicts, IReadOnlyList<CalibrationLayer> layers,
        IReadOnlySet<string> skippedByConfig, DeployTensorPlan deploy, IReadOnlySet<string> floatIslands, bool integerLayerOutputs)
    {
        FloatIslands = floatIslands;
        IntegerLayerOutputs = integerLayerOutputs;
        Model = model;
        Verdicts = verdicts;
        Layers = layers;
        SkippedByConfig = skippedByConfig;
        Deploy = deploy;
        ObservedTensors = layers.SelectMany(l => l.Activations).Concat(deploy.Calibrated).Distinct().ToList();
    }

    /// <summary>The prepared model.</summary>
    public OnnxModel Model { get; }

    /// <summary>A verdict for every node of the prepared model.</summary>
    public IReadOnlyList<LayerVerdict> Verdicts { get; }

    /// <summary>The layers to quantize, in graph order.</summary>
    public IReadOnlyList<CalibrationLayer> Layers { get; }

    /// <summary>Quantizable layers the configuration keeps in float.</summary>
    public IReadOnlySet<string> SkippedByConfig { get; }

    /// <summary>Layers kept float whose outputs stay float in the deploy model too (see <see cref="DeployTensorPlan.Build"/>).</summary>
    public IReadOnlySet<string> FloatIslands { get; }

    /// <summary>
    /// The deploy model quantizes layer outputs that only float nodes read, for integer kernels (speed
    /// placements); otherwise it rounds only where the fake-quant model does (see <see cref="DeployTensorPlan.Build"/>).
    /// </summary>
    public bool IntegerLayerOutputs { get; }

    /// <summary>The deploy model's 8-bit tensors.</summary>
    public DeployTensorPlan Deploy { get; }

    /// <summary>Every tensor whose statistics the calibration collects.</summary>
    public IReadOnlyList<string> ObservedTensors { get; }

    /// <summary>Plans calibration of a prepared model under <paramref name="config"/>.</summary>
    /// <param name="model">The prepared model (see <c>GraphPreparation</c>).</param>
    /// <param name="verdicts">The finder's verdict for every node of <paramref name="model"/>.</param>
    /// <param name="config">Resolved settings; layers it does not list are quantized with AMCT's defaults.</param>
    /// <param name="warn">Receives warnings (e.g. per-channel weights unavailable at the model's opset).</param>
    /// <param name="floatIslands">Layers the config disables whose outputs must stay float in the deploy model (kept float for speed); null: none.</param>
    /// <param name="integerLayerOutputs">See <see cref="IntegerLayerOutputs"/>: true for speed placements.</param>
    public static CalibrationPlan Build(OnnxModel model, IReadOnlyList<LayerVerdict> verdicts, QuantConfig config, Action<string>? warn = null,
        IReadOnlySet<string>? floatIslands = null, bool integerLayerOutputs = false)
    {
        floatIslands ??= new HashSet<string>(StringComparer.Ordinal);
        if (model.DefaultOpset < 10)
            throw new CalibException($"Model '{model.SourcePath ?? model.Graph.Name}' uses ONNX opset {model.DefaultOpset}; quantized models need opset 10 or later (QuantizeLinear). Convert the model to opset 13 or later.");
        var perChannel = model.DefaultOpset >= PerChannelOpset;
        if (!perChannel && verdicts.Any(v => v.WeightName is not null && (config.Layers.GetValueOrDefault(v.Node.Name) ?? LayerQuantSettings.Default).Weights.ChannelWise))
            warn?.Invoke($"per-channel weights need ONNX opset {PerChannelOpset}; model '{model.SourcePath ?? model.Graph.Name}' has opset {model.DefaultOpset} " +
                $"and cannot be raised ({Graph.Passes.OpsetUpgrade.Obstacle(model)}), so every weight gets one scale per tensor.");
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        var layers = new List<CalibrationLayer>();
        foreach (var verdict in verdicts.Where(v => v.IsQuantizable))
        {
            var settings = config.Layers.GetValueOrDefault(verdict.Node.Name) ?? LayerQuantSettings.Default;
            if (!settings.QuantEnable) { skipped.Add(verdict.Node.Name); continue; }
            if (!perChannel) settings = settings with { Weights = settings.Weights with { ChannelWise = false } };
            layers.Add(CalibrationLayer.From(verdict, settings));
        }
        var layerNodes = layers.ToDictionary(l => model.Graph.Nodes.Single(n => n.Name == l.Name), l => l.Activations);
        return new CalibrationPlan(model, verdicts, layers, skipped, DeployTensorPlan.Build(model.Graph, layerNodes, floatIslands, integerLayerOutputs),
            floatIslands, integerLayerOutputs);
    }
}
