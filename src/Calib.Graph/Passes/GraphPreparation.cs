using Calib.Graph.Ir;
using Calib.Graph.Operators;

namespace Calib.Graph.Passes;

/// <summary>
/// What runs on a model before calibration (AMCT's <c>do_fusion</c>): constants gathered,
/// pass-through nodes removed, BatchNormalization folded, every node named, opset 11/12 raised to 13; and, when
/// asked, weights equalized across layers (<see cref="CrossLayerEqualization"/>), last, on the folded layers.
/// </summary>
public static class GraphPreparation
{
    private static readonly AsyncLocal<PreparationCount?> Counter = new();

    /// <summary>Options of the preparation.</summary>
    /// <param name="DoFusion">AMCT's do_fusion: fold BatchNorm and drop pass-through nodes.</param>
    /// <param name="SkipFusionLayers">Layers whose BatchNorm stays separate (AMCT's skip_fusion_layers).</param>
    /// <param name="Operators">The layer kinds BatchNorm may fold into; <see cref="OperatorRegistry.Default"/> when null.</param>
    /// <param name="Equalize">Equalize the weight ranges of consecutive layers (calib run --equalize; the outputs stay the same).</param>
    public sealed record Options(bool DoFusion = true, IReadOnlySet<string>? SkipFusionLayers = null, OperatorRegistry? Operators = null,
        bool Equalize = false);

    /// <summary>The passes for <paramref name="options"/>, in order.</summary>
    public static IReadOnlyList<IGraphPass> Passes(Options options)
    {
        List<IGraphPass> passes = options.DoFusion
            ? [new NodeNaming(), new OpsetUpgrade(), new ConstantNodesToInitializers(), new PassThroughRemoval(),
                new BatchNormFolding(options.SkipFusionLayers, options.Operators)]
            : [new NodeNaming(), new OpsetUpgrade(), new ConstantNodesToInitializers()];
        if (options.Equalize) passes.Add(new CrossLayerEqualization());
        return passes;
    }

    /// <summary>Prepares a copy of <paramref name="model"/>; the original is left untouched.</summary>
    /// <returns>The prepared copy and what the passes changed, one entry per change.</returns>
    public static (OnnxModel Model, IReadOnlyList<GraphChange> Changes) Run(OnnxModel model, Options options)
    {
        Counter.Value?.Increment();
        var prepared = model.Clone();
        var changes = Passes(options).SelectMany(p => p.Apply(prepared).Select(c => new GraphChange(p.Name, c))).ToList();
        return (prepared, changes);
    }

    /// <summary>
    /// Counts the preparations run from here on in the current flow of execution (this thread and the
    /// tasks it starts) until the count is disposed: how tests hold commands to one preparation each.
    /// </summary>
    public static PreparationCount Count()
    {
        var outer = Counter.Value;
        return Counter.Value = new PreparationCount(() => Counter.Value = outer);
    }
}

/// <summary>One change a preparation pass made.</summary>
/// <param name="Pass">The pass's <see cref="IGraphPass.Name"/>.</param>
/// <param name="Description">What changed, e.g. "folded BatchNormalization 'bn1' into Conv 'conv1'".</param>
public sealed record GraphChange(string Pass, string Description);

/// <summary>The number of preparations since <see cref="GraphPreparation.Count"/>; dispose to stop counting.</summary>
public sealed class PreparationCount(Action stop) : IDisposable
{
    private int _runs;

    /// <summary>Preparations run so far.</summary>
    public int Runs => _runs;

    internal void Increment() => Interlocked.Increment(ref _runs);

    /// <inheritdoc/>
    public void Dispose() => stop();
}
