using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>
/// Drops initializers that no node, graph output or subgraph reads — run on every model calib writes
/// as its last step, so that replaced weights (a Ristretto simulation's float originals, a folded
/// BatchNorm's statistics) do not double the file.
/// </summary>
public sealed class UnusedInitializerRemoval : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "unused-initializers";

    /// <inheritdoc/>
    public IReadOnlyList<string> Apply(OnnxModel model) =>
        GraphRewrite.RemoveUnusedInitializers(model.Graph).Select(name => $"dropped unused initializer '{name}'").ToList();

    /// <summary><paramref name="model"/> with its unused initializers dropped (in place), for a return statement.</summary>
    public static OnnxModel Run(OnnxModel model)
    {
        new UnusedInitializerRemoval().Apply(model);
        return model;
    }
}
