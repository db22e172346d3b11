using System.CommandLine;
using System.Globalization;
using Calib.Algorithms.Data;
using Calib.Algorithms.Preparation;
using Calib.Graph;
using Calib.Graph.Caffe;

namespace Calib.Cli.Infrastructure;

/// <summary>
/// The options that name a model — --model, --weights (Caffe) and --input-shape — and loading it
/// through <see cref="ModelLoader"/>, shared by inspect, run and convert.
/// </summary>
internal sealed class ModelOptions(bool weightsRequired = false)
{
    public Option<string> Model { get; } = CommonOptions.Model();

    public Option<string?> Weights { get; } = new("--weights", "-w")
    {
        Description = "The trained Caffe .caffemodel, when --model is a Caffe .prototxt.",
        Required = weightsRequired,
    };

    public Option<string?> InputShape { get; } = new("--input-shape")
    {
        Description = "Caffe: the input shape N,C,H,W when the prototxt does not state it (train/test nets with Data layers). " +
                      "ONNX with --data-dir: AMCT's \"name:dims;name:dims\", the shape of each input's raw .bin files.",
    };

    public IEnumerable<Option> All => [Model, Weights, InputShape];

    public string ModelPath(ParseResult parse) => parse.GetValue(Model)!;

    public string? WeightsPath(ParseResult parse) => parse.GetValue(Weights);

    public long[]? Shape(ParseResult parse) =>
        parse.GetValue(InputShape) is { } text && !TensorDataOptions.IsNamedShapeList(text) ? ParseShape(text) : null;

    /// <summary>AMCT's named form "name:dims;name:dims" of --input-shape, or null when it is not given in that form.</summary>
    public IReadOnlyList<NamedShape>? NamedShapes(ParseResult parse) =>
        parse.GetValue(InputShape) is { } text && TensorDataOptions.IsNamedShapeList(text) ? TensorDataOptions.ParseShapes(text) : null;

    /// <summary>The model files the options name.</summary>
    public ModelSource Source(ParseResult parse) => new(ModelPath(parse), WeightsPath(parse), Shape(parse));

    /// <summary>Loads the model the options name; conversion warnings go to the console.</summary>
    public LoadedModel Load(ParseResult parse, CliConsole console) =>
        ModelLoader.Load(ModelPath(parse), WeightsPath(parse), new CaffeImportOptions { InputShape = Shape(parse), Warn = console.Warn });

    /// <summary>Parses "N,C,H,W" (positive integers, comma-separated).</summary>
    public static long[] ParseShape(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var dims = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] < 1)
                throw new CalibException($"--input-shape '{text}' is not a shape: give positive integers separated by commas, e.g. 1,3,224,224.");
        return dims;
    }
}
