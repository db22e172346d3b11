using Calib.Graph;
using Calib.Graph.Execution;
using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;

namespace Calib.Algorithms.Evaluation;

/// <summary>
/// Compares quantized models with the float model output by output on <see cref="FidelityData"/>:
/// cosine similarity, SQNR and maximum relative error, no labels needed. Outputs are matched by
/// position, as calib's rewrites keep the graph outputs in order.
/// </summary>
public static class OutputFidelityMeasure
{
    /// <summary>The fidelity of <paramref name="fakeQuant"/> (and <paramref name="deploy"/>, when given).</summary>
    /// <param name="floatModel">The float model.</param>
    /// <param name="fakeQuant">The fake-quant model.</param>
    /// <param name="deploy">The deploy model; null to skip it.</param>
    /// <param name="data">The inputs.</param>
    /// <param name="execution">Device and threads.</param>
    /// <exception cref="CalibException">The models do not have the same outputs.</exception>
    public static FidelityReport Measure(OnnxModel floatModel, OnnxModel fakeQuant, OnnxModel? deploy, FidelityData data, ExecutionOptions execution)
    {
        var fake = Errors(floatModel, fakeQuant, data, execution);
        var deployed = deploy is null ? null : Errors(floatModel, deploy, data, execution);
        var outputs = FloatOutputs(floatModel).Select((o, i) => new OutputFidelity(o, fake[i], deployed?[i])).ToList();
        return new FidelityReport(outputs, data.Samples, data.Location, data.Source) { Noun = data.Noun, Measured = data.Measured };
    }

    /// <summary>The error of each output of <paramref name="candidate"/>, in graph order (the float outputs are computed once per <paramref name="data"/>).</summary>
    public static IReadOnlyList<TensorError> Errors(OnnxModel floatModel, OnnxModel candidate, FidelityData data, ExecutionOptions execution)
    {
        var (expected, actual) = (FloatOutputs(floatModel), FloatOutputs(candidate));
        if (expected.Count != actual.Count)
            throw new CalibException($"The quantized model has {actual.Count} float outputs but the float model has {expected.Count}: they are not the same network.");
        if (expected.Count == 0) throw new CalibException("The model has no float32 output to compare: fidelity needs one; pass --no-fidelity.");
        var pairs = expected.Select((o, i) => new TensorPair(o, actual[i])).ToList();
        var reference = data.ReferenceOutputs(floatModel, expected, execution);
        return ModelComparison.Compare(i => reference[i], candidate, pairs, data.Batches, execution).Select(e => e.Result).ToList();
    }

    // Integer outputs (class indices, counts) have no meaningful cosine; an undeclared type is taken as float.
    private static List<string> FloatOutputs(OnnxModel model) =>
        model.Graph.Outputs.Where(o => o.Type?.TensorType?.ElemType is null or 0 or (int)TensorProto.Types.DataType.Float).Select(o => o.Name).ToList();
}
