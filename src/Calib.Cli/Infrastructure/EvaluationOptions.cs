using System.CommandLine;
using Calib.Algorithms.Workflows;
using Calib.Algorithms.Evaluation;
using Calib.Graph;

namespace Calib.Cli.Infrastructure;

/// <summary>The evaluation flags shared by <c>calib eval</c> and <c>calib run --eval-set</c>.</summary>
internal sealed class EvaluationOptions
{
    public EvaluationOptions(bool evalSetRequired)
    {
        EvalSet = new Option<string?>("--eval-set")
        {
            Description = "Labelled images: a folder of class sub-folders ('3_dress' or sorted names), a folder with a labels.csv (file,label), or MNIST idx files.",
            Required = evalSetRequired,
        };
    }

    public Option<string?> EvalSet { get; }

    public Option<int?> Limit { get; } = new("--limit") { Description = "Evaluate only N images, spread evenly over the set." };

    public Option<int> LayerSamples { get; } = new("--layer-samples")
    {
        Description = $"Images (spread over the set) for the per-layer errors and output SQNR (default {EvaluationSettings.DefaultLayerSamples}).",
        DefaultValueFactory = _ => EvaluationSettings.DefaultLayerSamples,
    };

    public Option<string> Sensitivity { get; } = new("--sensitivity")
    {
        Description = "Layer sensitivity with only that layer quantized: sqnr (model output SQNR on the layer samples, default) or accuracy (top-1 on the whole set, one pass per layer).",
        DefaultValueFactory = _ => "sqnr",
    };

    public Option<string[]> PlotLayers { get; } = new("--plot-layer")
    {
        Description = "Plot this layer's input histogram with its clip range (repeatable; default: the layer that adds the most error).",
    };

    public IEnumerable<Option> All => [EvalSet, Limit, LayerSamples, Sensitivity, PlotLayers];

    /// <summary>The settings these flags give, over <paramref name="basis"/>.</summary>
    public EvaluationSettings Resolve(ParseResult parse, EvaluationSettings basis) => basis with
    {
        Limit = parse.GetValue(Limit),
        LayerSamples = parse.GetValue(LayerSamples),
        Sensitivity = parse.GetValue(Sensitivity)!.ToLowerInvariant() switch
        {
            "sqnr" => SensitivityMeasure.Sqnr,
            "accuracy" => SensitivityMeasure.Accuracy,
            var other => throw new CalibException($"--sensitivity '{other}' is not sqnr or accuracy."),
        },
    };

    public IReadOnlyList<string> PlotLayerNames(ParseResult parse) => parse.GetValue(PlotLayers) ?? [];

    /// <summary>
    /// Refuses evaluation flags given without --eval-set (they would be ignored); <paramref name="dependents"/>
    /// are the command's own flags that need it too.
    /// </summary>
    public void RequireEvalSetFor(ParseResult parse, params Option[] dependents)
    {
        if (parse.GetValue(EvalSet) is not null) return;
        var given = All.Where(o => o != EvalSet).Concat(dependents).FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
        if (given is not null)
            throw new CalibException($"{given.Name} needs --eval-set: the labelled images to measure accuracy on.");
    }
}
