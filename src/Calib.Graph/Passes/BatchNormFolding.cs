using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using Calib.Graph.Operators;

namespace Calib.Graph.Passes;

/// <summary>
/// Folds an inference BatchNormalization into the layer before it when that layer's kind allows it
/// (<see cref="QuantizableOperator.FoldsBatchNorm"/>: Conv, ConvTranspose, Gemm; AMCT's fusion): with f = γ/√(σ²+ε) per output channel, W' = f·W and b' = f·(b − μ) + β.
/// The layer keeps its name; the BatchNormalization disappears. Folding needs the layer's
/// output to feed only the BatchNormalization, and all parameters to be constant.
/// </summary>
/// <param name="skipLayers">Layers whose BatchNormalization stays separate (AMCT's skip_fusion_layers).</param>
/// <param name="operators">The layer kinds; <see cref="OperatorRegistry.Default"/> when null.</param>
public sealed class BatchNormFolding(IReadOnlySet<string>? skipLayers = null, OperatorRegistry? operators = null) : IGraphPass
{
    private readonly IReadOnlySet<string> _skipLayers = skipLayers ?? new HashSet<string>();
    private readonly OperatorRegistry _operators = operators ?? OperatorRegistry.Default;

    /// <summary>The pass's name in change lists.</summary>
    public const string PassName = "batchnorm-folding";

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public IReadOnlyList<string> Apply(OnnxModel model)
    {
        var graph = model.Graph;
        var subgraphReads = graph.NamesReadBySubgraphs();
        var changes = new List<string>();
        var names = graph.NameScope();
        foreach (var bn in graph.Nodes.Where(n => n is { OpType: "BatchNormalization", IsStandard: true }).ToList())
        {
            if (graph.ProducerOf(bn.Inputs[0]) is not { } layer || _skipLayers.Contains(layer.Name)) continue;
            if (_operators.Find(layer) is not { } kind || !CanFold(graph, kind, layer, bn, subgraphReads)
                || ReadBatchNorm(graph, bn) is not { } factors) continue;
            FoldInto(graph, names, kind, layer, factors);
            graph.Nodes.Remove(bn);
            layer.Outputs[0] = bn.Outputs[0];
            graph.ValueInfos.Remove(bn.Inputs[0]);
            changes.Add($"folded BatchNormalization '{bn.DisplayName}' into {layer.OpType} '{layer.DisplayName}'");
        }
        return changes;
    }

    private sealed record ChannelAffine(float[] Scale, float[] Shift);

    private static bool CanFold(ModelGraph graph, QuantizableOperator kind, Node layer, Node bn, IReadOnlySet<string> subgraphReads)
    {
        if (!kind.FoldsBatchNorm(layer) || kind.WeightInput != 1 || kind.BiasInput != 2) return false;
        var output = layer.Outputs[0];
        if (graph.IsGraphOutput(output) || subgraphReads.Contains(output) || graph.ConsumersOf(output).Count() != 1) return false;
        if (bn.Outputs.Skip(1).Any(o => o.Length > 0) || bn.Attributes.GetInt("training_mode", 0) != 0) return false;
        return graph.ConstantValue(layer.Inputs[1]) is { DataType: (int)TensorProto.Types.DataType.Float }
            && (layer.InputOrNull(2) is not { } bias || graph.ConstantValue(bias) is not null);
    }

    // Per channel: y = Scale·x + Shift.
    private static ChannelAffine? ReadBatchNorm(ModelGraph graph, Node bn)
    {
        var parameters = bn.Inputs.Skip(1).Take(4).Select(graph.ConstantValue).ToList();
        if (parameters.Count != 4 || parameters.Any(p => p is null)) return null;
        var (gamma, beta, mean, variance) = (Read(parameters[0]!), Read(parameters[1]!), Read(parameters[2]!), Read(parameters[3]!));
        if (beta.Length != gamma.Length || mean.Length != gamma.Length || variance.Length != gamma.Length)
            throw new CalibException(
                $"BatchNormalization '{bn.DisplayName}': its scale, bias, mean and variance hold {gamma.Length}, {beta.Length}, {mean.Length} " +
                $"and {variance.Length} values; they need one per channel each. Re-export the model.");
        var epsilon = bn.Attributes.GetFloat("epsilon", 1e-5f);
        var scale = new float[gamma.Length];
        var shift = new float[gamma.Length];
        for (var c = 0; c < gamma.Length; c++)
        {
            scale[c] = (float)(gamma[c] / Math.Sqrt(variance[c] + (double)epsilon));
            shift[c] = (float)(beta[c] - mean[c] * (double)scale[c]);
        }
        return new ChannelAffine(scale, shift);
    }

    private static float[] Read(TensorProto tensor) => TensorData.ReadFloats(tensor);

    private static void FoldInto(ModelGraph graph, UniqueNames names, QuantizableOperator kind, Node layer, ChannelAffine affine)
    {
        var weight = graph.ConstantValue(layer.Inputs[1])!;
        var values = TensorData.ReadFloats(weight);
        var dims = weight.Dims.ToArray();
        CheckWeightFits(kind, layer, dims, values.Length, affine.Scale.Length);
        var channelOf = kind.OutputChannelOf(layer, dims);
        var channels = affine.Scale.Length;
        for (var i = 0; i < values.Length; i++) values[i] *= affine.Scale[channelOf(i)];
        var bias = BiasOf(graph, kind, layer, channels);
        for (var c = 0; c < channels; c++) bias[c] = bias[c] * affine.Scale[c] + affine.Shift[c];

        // Folded values keep the names of the tensors they replace (a PyTorch export's state_dict keys)
        // unless another node shares them.
        var weightName = FoldedName(graph, names, layer, layer.Inputs[1], $"{layer.Inputs[1]}_bnfolded");
        graph.AddInitializer(weightName, TensorData.FromFloats(dims, values));
        layer.Inputs[1] = weightName;
        var biasName = layer.InputOrNull(2) is { } oldBias
            ? FoldedName(graph, names, layer, oldBias, $"{oldBias}_bnfolded")
            : names.Make(layer.Inputs[1].EndsWith(".weight") ? $"{layer.Inputs[1][..^".weight".Length]}.bias" : $"{layer.Name}_bias");
        graph.AddInitializer(biasName, TensorData.FromFloats([channels], bias));
        if (layer.Inputs.Count > 2) layer.Inputs[2] = biasName; else layer.Inputs.Add(biasName);
        kind.ClearBiasFactor(layer);
    }

    // The channel map trusts the weight's dims; a model whose dims contradict its data or the
    // BatchNormalization's channel count is refused instead.
    private static void CheckWeightFits(QuantizableOperator kind, Node layer, long[] dims, int valueCount, int channels)
    {
        var valid = dims.Length >= 2 && dims.All(d => d > 0) && dims.Aggregate(1L, (a, d) => a * d) == valueCount;
        if ((valid ? kind.OutputChannelCount(layer, dims) : null) != channels)
            throw new CalibException(
                $"{layer.OpType} '{layer.DisplayName}': its weight [{string.Join(",", dims)}] ({valueCount} values) does not fit the " +
                $"{channels} channels of the BatchNormalization after it. Re-export the model.");
    }

    // The layer's bias as one value per output channel (Gemm: β·C broadcast), zeros when absent.
    private static float[] BiasOf(ModelGraph graph, QuantizableOperator kind, Node layer, int channels)
    {
        var bias = new float[channels];
        if (layer.InputOrNull(2) is not { } name) return bias;
        var values = TensorData.ReadFloats(graph.ConstantValue(name)!);
        var factor = kind.BiasFactor(layer);
        if (values.Length != 1 && values.Length != channels)
            throw new CalibException($"Layer '{layer.DisplayName}': bias '{name}' has {values.Length} values for {channels} output channels.");
        for (var c = 0; c < channels; c++) bias[c] = factor * values[values.Length == 1 ? 0 : c];
        return bias;
    }

    private static string FoldedName(ModelGraph graph, UniqueNames names, Node layer, string current, string alternative)
    {
        var shared = graph.Nodes.Any(n => n != layer && n.Inputs.Contains(current)) || graph.IsGraphOutput(current)
            || graph.RuntimeInputs.Any(i => i.Name == current);
        return shared ? names.Make(alternative) : current;
    }
}
