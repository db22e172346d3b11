using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>
/// What runs on a model before calibration (AMCT's <c>do_fusion</c>): constants gathered,
/// pass-through nodes removed, BatchNormalization folded, every node named, opset 11/12 raised to 13.
/// </summary>
public static class GraphPreparation
{
    /// <summary>Options of the preparation.</summary>
    /// <param name="DoFusion">AMCT's do_fusion: fold BatchNorm and drop pass-through nodes.</param>
    /// <param name="SkipFusionLayers">Layers whose BatchNorm stays separate (AMCT's skip_fusion_layers).</param>
    public sealed record Options(bool DoFusion = true, IReadOnlySet<string>? SkipFusionLayers = null);

    /// <summary>The passes for <paramref name="options"/>, in order.</summary>
    public static IReadOnlyList<IGraphPass> Passes(Options options) => options.DoFusion
        ? [new NodeNaming(), new OpsetUpgrade(), new ConstantNodesToInitializers(), new PassThroughRemoval(), new BatchNormFolding(options.SkipFusionLayers)]
        : [new NodeNaming(), new OpsetUpgrade(), new ConstantNodesToInitializers()];

    /// <summary>Prepares a copy of <paramref name="model"/>; the original is left untouched.</summary>
    public static (OnnxModel Model, IReadOnlyList<string> Changes) Run(OnnxModel model, Options options)
    {
        var prepared = model.Clone();
        var changes = Passes(options).SelectMany(p => p.Apply(prepared)).ToList();
        return (prepared, changes);
    }
}
