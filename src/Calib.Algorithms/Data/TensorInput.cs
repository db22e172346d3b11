using Calib.Graph;
using Calib.Graph.IO;
using Calib.Graph.Ir;
using Calib.Graph.Shapes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Data;

/// <summary>
/// One model input as tensor calibration data feeds it. Dimension 0 is the batch when it is symbolic
/// or 1 (<see cref="Batched"/>): a data file then holds one sample (the shape without dimension 0)
/// or a batch of them (the full rank, dimension 0 counting the samples). Any other input — a scalar,
/// or a fixed leading size other than 1 such as recurrent state [2,1,64] — does not batch: every file
/// holds it whole, and all the samples of one batch must hold the same value.
/// </summary>
/// <param name="Name">The graph input name.</param>
/// <param name="ElementType">Its declared element type.</param>
/// <param name="Shape">Its declared dimensions.</param>
public sealed record TensorInput(string Name, DataType ElementType, IReadOnlyList<Dimension> Shape)
{
    /// <summary>True when dimension 0 is the batch (symbolic, or fixed at 1).</summary>
    public bool Batched => Shape.Count >= 1 && Shape[0].Value is null or 1;

    /// <summary>True when the model fixes the batch at 1.</summary>
    public bool FixedBatchOfOne => Batched && Shape[0].Value == 1;

    /// <summary>The shape of one sample: without the batch dimension when <see cref="Batched"/>.</summary>
    public IReadOnlyList<Dimension> SampleShape => Batched ? Shape.Skip(1).ToList() : Shape;

    /// <summary>"'input_ids' (int64 [batch,16])" for messages.</summary>
    public string Describe() => $"'{Name}' ({ElementTypes.Name(ElementType)} [{string.Join(",", Shape)}])";

    /// <summary>What a data file for this input must hold, for messages.</summary>
    public string Expected() => Batched
        ? $"{ElementTypes.Name(ElementType)}, one sample [{string.Join(",", SampleShape)}] or a batch [n,{string.Join(",", SampleShape)}]".Replace("[n,]", "[n]")
        : $"{ElementTypes.Name(ElementType)} [{string.Join(",", Shape)}]";

    /// <summary>Every input ONNX Runtime needs fed, in the model's order.</summary>
    /// <exception cref="CalibException">An input declares no tensor type or no shape.</exception>
    public static IReadOnlyList<TensorInput> Of(OnnxModel model, string modelPath)
    {
        var catalog = TensorInfoCatalog.FromDeclarations(model);
        return model.Graph.RuntimeInputs.Select(input =>
        {
            var info = catalog.Find(input.Name)
                ?? throw new CalibException($"Model '{modelPath}': input '{input.Name}' has no declared tensor type.");
            if (info.Shape is null)
                throw new CalibException($"Model '{modelPath}': input '{input.Name}' declares no shape, so calib cannot tell its batch dimension; declare its shape in the model.");
            return new TensorInput(info.Name, info.ElementType, info.Shape);
        }).ToList();
    }
}
