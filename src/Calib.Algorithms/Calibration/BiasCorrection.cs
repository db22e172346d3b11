using Calib.Algorithms.Data;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Quantization;

namespace Calib.Algorithms.Calibration;

/// <summary>
/// Empirical bias correction: 8-bit rounding and clipping shift the mean of a layer's output, and the
/// shift passes on through every later layer (a box regression or a logit that should be 0.1 comes out
/// 0.3 on every input). For each quantized layer with a bias, the mean of its output with its input and
/// weights quantized is compared with the float mean, per output channel, over calibration inputs, and
/// the bias is moved by the difference. Each layer is measured on the float model's own input to it, so
/// its correction depends on its own quantization only: it stays right when other layers are kept float.
/// One pass over the inputs: every layer's quantized twin runs beside it in one extended float model.
/// </summary>
public static class BiasCorrection
{
    /// <summary>The corrected bias of every layer <see cref="Measure"/> can correct, by layer name.</summary>
    /// <param name="plan">The calibration plan.</param>
    /// <param name="result">Its quantization (input ranges and int8 weights).</param>
    /// <param name="feeds">Calibration inputs (a tensor for every model input); padding rows beyond <see cref="ModelFeed.Samples"/> are left out.</param>
    /// <param name="execution">Device and threads.</param>
    public static IReadOnlyDictionary<string, float[]> Measure(CalibrationPlan plan, QuantizationResult result, IEnumerable<ModelFeed> feeds,
        ExecutionOptions execution)
    {
        var graph = plan.Model.Graph;
        var layers = result.Layers.Where(l => Correctable(graph, l)).ToList();
        if (layers.Count == 0) return new Dictionary<string, float[]>();
        var (model, twins) = WithQuantizedTwins(plan.Model, layers);
        var outputs = layers.Select(l => NodeNamed(graph, l.Layer.Name).Outputs[0]).ToList();
        var shifts = layers.Select(l => new ChannelMeanDifference((int)graph.Initializers[l.Layer.Bias!].Dims[0])).ToList();
        using (var runner = ModelRunner.Create(model, execution, outputs.Concat(twins)))
            foreach (var feed in feeds)
            {
                using var run = runner.Run(feed.Inputs);
                // Each layer's sums are independent: folded in parallel without changing any result.
                Parallel.For(0, layers.Count, i => shifts[i].Add(run.Floats(outputs[i]), run.Floats(twins[i]), run.Shape(outputs[i]), (int)feed.Samples));
            }
        return layers.Index().Where(l => shifts[l.Index].Measured)
            .ToDictionary(l => l.Item.Layer.Name, l => Corrected(graph, l.Item.Layer, shifts[l.Index].Means()), StringComparer.Ordinal);
    }

    /// <summary><paramref name="result"/> with the corrected biases of <paramref name="biases"/> (layer name → values) on its layers.</summary>
    public static QuantizationResult Apply(QuantizationResult result, IReadOnlyDictionary<string, float[]> biases) =>
        biases.Count == 0 ? result : result with
        {
            Layers = result.Layers.Select(l => biases.TryGetValue(l.Layer.Name, out var bias) ? l with { CorrectedBias = bias } : l).ToList(),
        };

    // A layer with weights and a bias initializer of one dimension; the bias operators (Conv, ConvTranspose, Gemm) have
    // their output channels on axis 1, and a bias that is not one value per channel is left as it is (see ChannelMeanDifference).
    private static bool Correctable(ModelGraph graph, LayerQuantization layer) =>
        layer.Weights is not null && layer.Layer.Operator.BiasInput is not null && layer.Layer.Bias is { } bias
        && graph.Initializers.TryGetValue(bias, out var values) && values.Dims.Count == 1;

    // The float bias plus the mean output shift, in the bias's own units (Gemm adds β·C).
    private static float[] Corrected(ModelGraph graph, CalibrationLayer layer, double[] shift)
    {
        var bias = TensorData.ReadFloats(graph.Initializers[layer.Bias!]);
        var factor = layer.Operator.BiasFactor(NodeNamed(graph, layer.Name));
        return bias.Select((b, c) => (float)(b + shift[c] / factor)).ToArray();
    }

    // The float model with, beside each layer, a copy reading its input through the layer's Q/DQ and its fake-quantized weight.
    private static (OnnxModel Model, List<string> Twins) WithQuantizedTwins(OnnxModel floatModel, IReadOnlyList<LayerQuantization> layers)
    {
        var model = floatModel.Clone();
        var graph = model.Graph;
        var builder = new QdqBuilder(graph);
        var names = graph.NameScope();
        var twins = new List<string>();
        foreach (var layer in layers)
        {
            var node = NodeNamed(graph, layer.Layer.Name);
            var inputs = node.Inputs.ToList();
            var parameters = layer.Input.Params;
            inputs[0] = builder.DequantizedInput(layer.Layer.Input, new ActivationQdq(parameters.Scale, parameters.ZeroPoint, parameters.QMin < 0));
            var weights = layer.Weights!;
            inputs[layer.Layer.Operator.WeightInput!.Value] = builder.FakeQuantizedWeight(layer.Layer.Weight!, new WeightQdq(weights.Scales, weights.Values, weights.ChannelAxis));
            var twin = new Node(node.OpType, names.Make($"{node.Name}_quantized_twin"), inputs, [names.Make($"{node.Outputs[0]}_quantized_twin")]) { Domain = node.Domain };
            foreach (var attribute in node.Attributes.All) twin.Attributes.Put(attribute.Clone());
            // After everything it reads; the last position is after all of them.
            graph.Nodes.Add(twin);
            twins.Add(twin.Outputs[0]);
        }
        return (model, twins);
    }

    private static Node NodeNamed(ModelGraph graph, string name) => graph.Nodes.Single(n => n.Name == name);

    /// <summary>
    /// Per channel (axis 1), the running mean of float − quantized over samples and positions; nothing is
    /// measured when the output does not have one channel per bias value (a broadcast bias).
    /// </summary>
    private sealed class ChannelMeanDifference(int channels)
    {
        private readonly double[] _sums = new double[channels];
        private bool _mismatch;
        private long _count;

        public bool Measured => _count > 0 && !_mismatch;

        public void Add(ReadOnlySpan<float> reference, ReadOnlySpan<float> quantized, long[] shape, int samples)
        {
            if (shape.Length < 2 || shape[1] != channels) { _mismatch = true; return; }
            var positions = (int)shape.Skip(2).Aggregate(1L, (a, b) => a * b);
            for (var n = 0; n < samples; n++)
                for (var c = 0; c < channels; c++)
                {
                    var start = (n * channels + c) * positions;
                    double sum = 0;
                    for (var i = start; i < start + positions; i++) sum += reference[i] - quantized[i];
                    _sums[c] += sum;
                }
            _count += (long)samples * positions;
        }

        public double[] Means() => _sums.Select(s => s / _count).ToArray();
    }
}
