using Calib.Algorithms.Configuration;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.Ir;

namespace Calib.Algorithms.Calibration;

/// <summary>Turns collected statistics into scales and zero points, and the float weights into int8.</summary>
public static class LayerQuantizer
{
    /// <summary>Quantizes every planned layer and deploy tensor.</summary>
    /// <param name="plan">The calibration plan.</param>
    /// <param name="statistics">Histograms of the plan's observed tensors.</param>
    /// <param name="defaults">Settings for deploy tensors that are no layer's input.</param>
    public static QuantizationResult Quantize(CalibrationPlan plan, ActivationStatistics statistics, ActivationQuantSettings defaults)
    {
        var graph = plan.Model.Graph;
        foreach (var layer in plan.Layers) CheckFinite(graph, layer);
        // Layers and tensors are independent: searched in parallel, gathered in plan order.
        var layers = plan.Layers
            .AsParallel().AsOrdered()
            .Select(layer => new LayerQuantization(
                layer,
                LayerInput(graph, statistics, layer, layer.Input),
                layer.Weight is { } weight ? QuantizeWeights(graph, weight, layer) : null,
                layer.SecondInput is { } second ? LayerInput(graph, statistics, layer, second) : null))
            .ToList();
        // A deploy tensor that a layer reads uses that layer's quantization, so the deploy and
        // fake-quant models agree on it; the others use the default settings.
        var byInput = layers.SelectMany(l => l.Activations).GroupBy(a => a.Tensor).ToDictionary(g => g.Key, g => g.First());
        var deploy = plan.Deploy.Calibrated
            .AsParallel().AsOrdered()
            .Select(t => byInput.GetValueOrDefault(t) ?? Activation(t, statistics[t], defaults, ActivationBounds(graph, t)))
            .ToList()
            .ToDictionary(q => q.Tensor);
        return new QuantizationResult(layers, deploy);
    }

    /// <summary>Quantizes <paramref name="tensors"/> (observed in <paramref name="statistics"/>) with one algorithm, in parallel, in order.</summary>
    public static IReadOnlyList<ActivationQuantization> QuantizeTensors(ModelGraph graph, ActivationStatistics statistics,
        IReadOnlyList<string> tensors, ActivationQuantSettings settings) =>
        tensors.AsParallel().AsOrdered()
            .Select(t => Activation(t, statistics[t], settings, ActivationBounds(graph, t)))
            .ToList();

    private static ActivationQuantization LayerInput(ModelGraph graph, ActivationStatistics statistics, CalibrationLayer layer, string tensor) =>
        Activation(tensor, statistics[tensor], layer.Settings.Activation, ActivationBounds(graph, tensor));

    private static ActivationQuantization Activation(string tensor, StreamingHistogram histogram, ActivationQuantSettings settings, ClipRange? bounds)
    {
        var clip = ActivationRangeSearch.Choose(histogram, settings.Algorithm, settings.Options);
        // A Clip's output never leaves its bounds; keeping the range inside them lets ONNX Runtime drop the Clip.
        if (bounds is { } b) clip = new ClipRange(Math.Max(clip.Min, Math.Min(b.Min, 0)), Math.Min(clip.Max, Math.Max(b.Max, 0)));
        var parameters = ActivationQuantizer.FromRange(clip, settings.Options.Asymmetric);
        return new ActivationQuantization(tensor, settings.Algorithm, settings.Options, histogram.Min, histogram.Max, clip, parameters);
    }

    // The constant bounds of a Clip that produces the tensor, if any.
    private static ClipRange? ActivationBounds(ModelGraph graph, string tensor)
    {
        if (graph.ProducerOf(tensor) is not { OpType: "Clip" } clip) return null;
        var min = clip.InputOrNull(1) is { } lo && graph.ConstantValue(lo) is { } l ? TensorData.ReadFloats(l)[0] : clip.Attributes.GetFloat("min", float.MinValue);
        var max = clip.InputOrNull(2) is { } hi && graph.ConstantValue(hi) is { } h ? TensorData.ReadFloats(h)[0] : clip.Attributes.GetFloat("max", float.MaxValue);
        return new ClipRange(min, max);
    }

    // Checked here, one clear error naming the layer, rather than inside the parallel search.
    private static void CheckFinite(ModelGraph graph, CalibrationLayer layer)
    {
        foreach (var (role, name) in new[] { ("weight", layer.Weight), ("bias", layer.Bias) })
        {
            if (name is null || !graph.Initializers.TryGetValue(name, out var tensor)) continue;
            var values = TensorData.ReadFloats(tensor);
            var bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new CalibException(
                    $"Layer '{layer.Name}': its {role} '{name}' holds {values[bad]} at index {bad}; weights and biases must be finite numbers. " +
                    "The model file is damaged or comes from a diverged training run: re-export it.");
        }
    }

    private static QuantizedWeights QuantizeWeights(ModelGraph graph, string weight, CalibrationLayer layer)
    {
        var tensor = graph.Initializers[weight];
        return WeightQuantizer.Arq(TensorData.ReadFloats(tensor), tensor.Dims, layer.WeightAxis, layer.Settings.Weights.ChannelWise);
    }
}
