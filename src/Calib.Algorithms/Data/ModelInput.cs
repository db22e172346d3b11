using Calib.Graph;
using Calib.Graph.Ir;
using Calib.Graph.Shapes;

namespace Calib.Algorithms.Data;

/// <summary>The single NCHW input of an image model: its name, one sample's layout, and its batch size when fixed.</summary>
/// <param name="Name">The graph input name.</param>
/// <param name="Layout">C, H, W of one sample.</param>
/// <param name="FixedBatch">The batch dimension when the model fixes it, else null.</param>
public sealed record ModelInput(string Name, InputLayout Layout, long? FixedBatch)
{
    /// <summary>The input of <paramref name="model"/>, read from its declarations.</summary>
    /// <param name="model">The model.</param>
    /// <param name="modelPath">Its file, for messages.</param>
    /// <exception cref="CalibException">The model has not exactly one input, or it is not a declared NCHW tensor.</exception>
    public static ModelInput Of(OnnxModel model, string modelPath)
    {
        var inputs = model.Graph.RuntimeInputs.ToList();
        if (inputs.Count != 1)
            throw new CalibException($"Model '{modelPath}' has {inputs.Count} inputs; image calibration and evaluation need a model with exactly one input.");
        var info = TensorInfoCatalog.FromDeclarations(model).Find(inputs[0].Name)
            ?? throw new CalibException($"Model '{modelPath}': input '{inputs[0].Name}' has no declared tensor type.");
        return new ModelInput(info.Name, InputLayout.FromTensor(info), info.DimensionOrNull(0) is > 0 and var n ? n : null);
    }

    /// <summary>The batch size to feed: the requested one, which must fit a fixed batch; else the fixed batch; else <paramref name="fallback"/>.</summary>
    /// <exception cref="CalibException">The requested size is below 1 or differs from the model's fixed batch.</exception>
    public int BatchSize(int? requested, int fallback, string modelPath)
    {
        if (requested is { } size && FixedBatch is { } n && size != n)
            throw new CalibException($"Model '{modelPath}' has a fixed batch size of {n}; --batch-size {size} does not fit. Leave --batch-size out or use {n}.");
        var batchSize = requested ?? (int)(FixedBatch ?? fallback);
        return CheckBatchSize(batchSize);
    }

    /// <summary>Returns <paramref name="batchSize"/> when it is at least 1: every command checks --batch-size with these words.</summary>
    /// <exception cref="CalibException">The size is below 1.</exception>
    public static int CheckBatchSize(int batchSize) => batchSize >= 1 ? batchSize
        : throw new CalibException($"--batch-size {batchSize} is not a batch size: it must be at least 1.");
}
