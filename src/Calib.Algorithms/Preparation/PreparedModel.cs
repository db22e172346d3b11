using Calib.Algorithms.Configuration;
using Calib.Graph;
using Calib.Graph.Analysis;
using Calib.Graph.Caffe;
using Calib.Graph.Ir;
using Calib.Graph.Operators;
using Calib.Graph.Passes;
using Calib.Graph.Shapes;

namespace Calib.Algorithms.Preparation;

/// <summary>
/// A model as every command starts from it: loaded once (ONNX, or Caffe converted), prepared once
/// with the fusion its configuration asks for (AMCT's do_fusion and skip_fusion_layers, read before
/// preparing), its tensors typed, every node judged once, and the per-layer configuration resolved
/// against those verdicts. What <c>inspect</c> shows is therefore exactly what <c>run</c> quantizes.
/// </summary>
public sealed class PreparedModel
{
    private PreparedModel(ModelSource source, LoadedModel loaded, OnnxModel model, IReadOnlyList<GraphChange> changes,
        TensorInfoCatalog tensors, string? tensorsNote, IReadOnlyList<LayerVerdict> verdicts, QuantConfig config, OperatorRegistry operators)
    {
        TensorsNote = tensorsNote;
        Source = source;
        Loaded = loaded;
        Model = model;
        Changes = changes;
        Tensors = tensors;
        Verdicts = verdicts;
        Config = config;
        Operators = operators;
    }

    /// <summary>Where the model came from.</summary>
    public ModelSource Source { get; }

    /// <summary>The model as loaded, before preparation (with what a Caffe conversion found).</summary>
    public LoadedModel Loaded { get; }

    /// <summary>The prepared model.</summary>
    public OnnxModel Model { get; }

    /// <summary>What preparation changed (folds, removals, upgrades), in order.</summary>
    public IReadOnlyList<GraphChange> Changes { get; }

    /// <summary>Element types and shapes of the prepared model's tensors.</summary>
    public TensorInfoCatalog Tensors { get; }

    /// <summary>
    /// Why <see cref="Tensors"/> holds only the types declared in the file (ONNX Runtime could not load the
    /// model to infer the rest); null when inference ran. Commands that run the model fail on the same cause.
    /// </summary>
    public string? TensorsNote { get; }

    /// <summary>The finder's verdict for every node of <see cref="Model"/>.</summary>
    public IReadOnlyList<LayerVerdict> Verdicts { get; }

    /// <summary>The resolved configuration: AMCT's defaults, then the file, then the command line.</summary>
    public QuantConfig Config { get; }

    /// <summary>The quantizable operator kinds the verdicts were made with.</summary>
    public OperatorRegistry Operators { get; }

    /// <summary>The layer pairs cross-layer equalization rescaled; null when it was not asked for (<see cref="PreparationSettings.Equalize"/>).</summary>
    public int? EqualizedPairs { get; private init; }

    /// <summary>The model file name without extension: the stem of every output file.</summary>
    public string Name => Source.Name;

    /// <summary>Loads <paramref name="source"/> and prepares it.</summary>
    /// <param name="source">The model files.</param>
    /// <param name="settings">Configuration file, command-line overrides and operator kinds.</param>
    /// <param name="warn">Receives warnings (Caffe conversion notes, shapes that cannot be inferred).</param>
    /// <exception cref="CalibException">A model or configuration file is missing, unreadable or invalid.</exception>
    public static PreparedModel Load(ModelSource source, PreparationSettings? settings = null, Action<string>? warn = null)
    {
        var loaded = ModelLoader.Load(source.Path, source.WeightsPath, new CaffeImportOptions { InputShape = source.InputShape, Warn = warn });
        return Prepare(source, loaded, settings, warn);
    }

    /// <summary>Prepares a model already in memory (e.g. the float graph of a fine-tuned QDQ model).</summary>
    /// <param name="source">The files the model came from, for names and messages.</param>
    /// <param name="loaded">The loaded model; it is not changed.</param>
    /// <param name="settings">Configuration file, command-line overrides and operator kinds.</param>
    /// <param name="warn">Receives warnings.</param>
    public static PreparedModel Prepare(ModelSource source, LoadedModel loaded, PreparationSettings? settings = null, Action<string>? warn = null)
    {
        settings ??= new PreparationSettings();
        var fusion = settings.ConfigPath is { } configPath ? ConfigFiles.ReadFusion(configPath) : new FusionSettings(null, []);
        var options = new GraphPreparation.Options(
            settings.Overrides.DoFusion ?? fusion.DoFusion ?? true, fusion.SkipFusionLayers.ToHashSet(StringComparer.Ordinal), settings.Operators,
            settings.Equalize);
        // Old opsets are rewritten operator by operator: proven on the float model before anything else.
        if (OpsetUpgradeCheck.Applies(loaded.Model)) OpsetUpgradeCheck.Verify(loaded.Model);
        var (model, changes) = GraphPreparation.Run(loaded.Model, options);
        var (tensors, tensorsNote) = TensorsOf(model);
        var verdicts = QuantizableLayerFinder.Classify(model, tensors, settings.Operators);
        var config = ConfigResolution.Resolve(new ModelLayers(verdicts), settings.ConfigPath, settings.Overrides);
        return new PreparedModel(source, loaded, model, changes, tensors, tensorsNote, verdicts, config, settings.Operators)
        {
            EqualizedPairs = settings.Equalize ? changes.Count(c => c.Pass == CrossLayerEqualization.PassName) : null,
        };
    }

    /// <summary>
    /// The preparation in one line for run summaries, e.g. "folded 4 BatchNormalization, removed 2 pass-through
    /// nodes"; null when it changed nothing worth telling (node names only).
    /// </summary>
    public string? ChangeSummary => PreparationSummary.Describe(Changes);

    // Shapes come from ONNX Runtime's inference; a model it cannot load still gets its declared types.
    private static (TensorInfoCatalog Tensors, string? Note) TensorsOf(OnnxModel model)
    {
        try
        {
            return (TensorInfoCatalog.Build(model), null);
        }
        catch (CalibException e)
        {
            return (TensorInfoCatalog.FromDeclarations(model), e.Message);
        }
    }
}
