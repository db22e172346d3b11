using Calib.Graph.Caffe.Proto;

namespace Calib.Graph.Caffe;

/// <summary>
/// The layers Caffe runs at inference: its TEST-phase net (state phase TEST, level 0, no stages)
/// built with Caffe's include/exclude rules (<c>Net::FilterNet</c>), without the layers that only
/// serve training — losses, accuracy, Silence.
/// </summary>
public static class TestPhase
{
    private static readonly HashSet<string> TrainingOnlyTypes = new(StringComparer.Ordinal)
    {
        "Accuracy", "SoftmaxWithLoss", "EuclideanLoss", "SigmoidCrossEntropyLoss", "HingeLoss",
        "InfogainLoss", "MultinomialLogisticLoss", "ContrastiveLoss", "Silence",
    };

    /// <summary>The layers of <paramref name="net"/> that run at inference, in order.</summary>
    public static IReadOnlyList<LayerParameter> Layers(NetParameter net) =>
        net.Layer.Where(IsIncluded).Where(l => !TrainingOnlyTypes.Contains(l.Type)).ToList();

    /// <summary>True when Caffe's TEST-phase net includes <paramref name="layer"/>.</summary>
    public static bool IsIncluded(LayerParameter layer) =>
        layer.Include.Count > 0 ? layer.Include.Any(Meets) : !layer.Exclude.Any(Meets);

    // Caffe's StateMeetsRule for the TEST state: phase TEST, level 0, no stages.
    private static bool Meets(NetStateRule rule)
    {
        if (rule.HasPhase && rule.Phase != Phase.Test) return false;
        if (rule.HasMinLevel && 0 < rule.MinLevel) return false;
        if (rule.HasMaxLevel && 0 > rule.MaxLevel) return false;
        return rule.Stage.Count == 0;
    }
}
