using Calib.Graph.Ir;

namespace Calib.Graph.Passes;

/// <summary>One rewrite of a model before calibration.</summary>
public interface IGraphPass
{
    /// <summary>A short name, for logs and the resolved configuration.</summary>
    string Name { get; }

    /// <summary>Applies the pass and returns what it changed, one line per change.</summary>
    IReadOnlyList<string> Apply(OnnxModel model);
}
