using Calib.Algorithms.Calibration;
using Calib.Algorithms.Quantization;
using Calib.Graph.Ir;
using Calib.Graph.Passes;
using Calib.Graph.Quantization;

namespace Calib.Algorithms.Export;

/// <summary>Builds the two quantized ONNX models from a calibration result.</summary>
public static class QdqModels
{
    /// <summary>
    /// The fake-quant model: the prepared float graph with QuantizeLinear/DequantizeLinear on every
    /// quantized layer's input and weight, or second activation (bias stays float), for accuracy simulation.
    /// </summary>
    public static OnnxModel FakeQuant(CalibrationPlan plan, QuantizationResult result)
    {
        var model = plan.Model.Clone();
        var graph = model.Graph;
        var builder = new QdqBuilder(graph);
        foreach (var layer in result.Layers)
        {
            var node = NodeNamed(graph, layer.Layer.Name);
            node.Inputs[0] = builder.DequantizedInput(layer.Layer.Input, ToQdq(layer.Input.Params));
            if (layer.SecondInput is { } second)
                node.Inputs[layer.Layer.Operator.SecondActivationInput(graph, node)!.Value] = builder.DequantizedInput(second.Tensor, ToQdq(second.Params));
            if (layer.Weights is { } weights)
                node.Inputs[layer.Layer.Operator.WeightInput!.Value] = builder.FakeQuantizedWeight(layer.Layer.Weight!, ToQdq(weights));
            // Under the bias's own name, so that the retrain config and every other reader still find it.
            if (layer.CorrectedBias is { } corrected)
                graph.AddInitializer(layer.Layer.Bias!, TensorData.FromFloats(graph.Initializers[layer.Layer.Bias!].Dims, corrected));
        }
        return Finish(model, "fake-quant");
    }

    /// <summary>
    /// The deploy model: activations quantized end to end (see <see cref="DeployTensorPlan"/>),
    /// weights stored as int8 and biases as int32 behind DequantizeLinear, and the constant operands of
    /// Add/Concat between 8-bit tensors (<see cref="ConstantOperands"/>) in 8 bits, so that ONNX Runtime
    /// fuses the node units into integer kernels.
    /// </summary>
    public static OnnxModel Deploy(CalibrationPlan plan, QuantizationResult result)
    {
        var model = plan.Model.Clone();
        var graph = model.Graph;
        var builder = new QdqBuilder(graph);
        QuantParams ParamsOf(string tensor) => result.DeployTensors[plan.Deploy.SourceOf(tensor)].Params;
        // Found before Q/DQ insertion renames the outputs the plan names.
        var constants = ConstantOperands.Find(graph, plan.Deploy);
        foreach (var tensor in plan.Deploy.All.ToList())
            ReadShapeBeforeQuantization(graph, tensor, builder.QuantizeInPlace(tensor, ToQdq(ParamsOf(tensor))));
        foreach (var operand in constants)
            operand.Node.Inputs[operand.Input] = QuantizedConstant(graph, builder, operand.Constant, signed: ParamsOf(operand.ActivationInput).QMin < 0);
        foreach (var layer in result.Layers.Where(l => l.Weights is not null))
        {
            var node = NodeNamed(graph, layer.Layer.Name);
            var weights = layer.Weights!;
            node.Inputs[layer.Layer.Operator.WeightInput!.Value] = builder.Int8Weight(layer.Layer.Weight!, ToQdq(weights));
            if (layer.Layer.Bias is { } bias)
                QuantizeBias(graph, builder, node, layer.Layer, layer.CorrectedBias ?? TensorData.ReadFloats(graph.Initializers[bias]), bias,
                    ParamsOf(layer.Layer.Input).Scale, weights);
        }
        return Finish(model, "deploy");
    }

    // A Shape node needs no values: reading the float tensor before the QuantizeLinear spares ONNX Runtime a
    // DequantizeLinear that would run only to give the shape (the transformer's reshapes read it this way).
    private static void ReadShapeBeforeQuantization(ModelGraph graph, string tensor, string quantized)
    {
        var floatTensor = graph.ProducerOf(quantized)!.Inputs[0];
        foreach (var shape in graph.ConsumersOf(tensor).Where(n => n is { OpType: "Shape", IsStandard: true }).ToList())
            shape.Inputs[0] = floatTensor;
    }

    // Its own min/max range, in the activation's type (ONNX Runtime's integer Add/Concat take one type for all inputs).
    private static string QuantizedConstant(ModelGraph graph, QdqBuilder builder, string constant, bool signed)
    {
        var values = TensorData.ReadFloats(graph.ConstantValue(constant)!);
        var range = values.Length == 0 ? new ClipRange(0, 0) : new ClipRange(values.Min(), values.Max());
        var parameters = ActivationQuantizer.FromRange(range, asymmetric: !signed);
        return builder.QuantizedConstant(constant, ToQdq(parameters), values.Select(parameters.Quantize).ToArray());
    }

    private static void QuantizeBias(ModelGraph graph, QdqBuilder builder, Node node, CalibrationLayer layer, float[] values, string bias, float inputScale,
        QuantizedWeights weights)
    {
        var channels = weights.ChannelWise ? weights.Scales.Length : OutputChannels(graph, layer.Weight!, weights);
        // The integer kernel adds the bias as it is: a factor the operator applies (Gemm's β) goes into the values.
        var factor = layer.Operator.BiasFactor(node);
        var perChannel = Enumerable.Range(0, channels).Select(c => factor * values[values.Length == 1 ? 0 : c]).ToArray();
        var weightScales = weights.ChannelWise ? weights.Scales : Enumerable.Repeat(weights.Scales[0], channels).ToArray();
        var quantized = WeightQuantizer.QuantizeBias(perChannel, inputScale, weightScales);
        // One weight scale gives one bias scale, which DequantizeLinear of any opset takes without an axis.
        var scales = weights.ChannelWise ? weightScales.Select(s => inputScale * s).ToArray() : [inputScale * weights.Scales[0]];
        node.Inputs[layer.Operator.BiasInput!.Value] = builder.Int32Bias(bias, quantized, scales);
        layer.Operator.ClearBiasFactor(node);
    }

    // The float weight is still in the graph: unused initializers are removed last.
    private static int OutputChannels(ModelGraph graph, string weightName, QuantizedWeights weights) =>
        (int)graph.Initializers[weightName].Dims[weights.ChannelAxis];

    private static WeightQdq ToQdq(QuantizedWeights weights) => new(weights.Scales, weights.Values, weights.ChannelAxis);

    private static ActivationQdq ToQdq(QuantParams parameters) => new(parameters.Scale, parameters.ZeroPoint, parameters.QMin < 0);

    private static Node NodeNamed(ModelGraph graph, string name) => graph.Nodes.Single(n => n.Name == name);

    private static OnnxModel Finish(OnnxModel model, string kind)
    {
        model.ProducerName = "calib";
        model.ProducerVersion = typeof(QdqModels).Assembly.GetName().Version?.ToString(3) ?? "";
        model.Graph.Name = $"{model.Graph.Name}_{kind}";
        // Value infos of renamed float tensors stay valid: the original names now carry the dequantized values.
        if (model.IrVersion < OnnxModel.DefaultIrVersion) model.IrVersion = OnnxModel.DefaultIrVersion;
        return UnusedInitializerRemoval.Run(model);
    }
}
