using Calib.Algorithms.Preparation;

namespace Calib.Algorithms.Workflows;

/// <summary><c>calib inspect</c>: prepare a model as <c>run</c> would and report every node's verdict.</summary>
public static class Inspection
{
    /// <summary>Loads and prepares <paramref name="source"/> (with <paramref name="configPath"/>'s fusion and skips) and reports it.</summary>
    /// <param name="source">The model files.</param>
    /// <param name="configPath">A configuration whose disabled layers show as skipped; null for AMCT's defaults.</param>
    /// <param name="warn">Receives warnings (Caffe conversion notes, shapes known only as declared).</param>
    public static InspectionReport Inspect(ModelSource source, string? configPath, Action<string>? warn = null) =>
        InspectionReport.Create(PreparedModel.Load(source, new PreparationSettings { ConfigPath = configPath }, warn));
}
