using System.CommandLine;
using Calib.Algorithms.Workflows;
using Calib.Cli.Infrastructure;
using Calib.Graph.Caffe;

namespace Calib.Cli.Commands;

/// <summary><c>calib convert</c>: a Caffe model (prototxt + caffemodel) to an ONNX file.</summary>
internal static class ConvertCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new ModelOptions(weightsRequired: true);
        var output = new Option<string?>("--output", "-o") { Description = "The ONNX file to write (default ./<model>.onnx)." }.NamesFile();
        var command = new Command("convert",
            "Convert a Caffe model (prototxt + caffemodel, current or legacy V1 format) to ONNX with Caffe's exact semantics.");
        foreach (var option in model.All.Append(output)) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var modelPath = model.ModelPath(parse);
            var target = parse.GetValue(output) ?? Path.GetFileNameWithoutExtension(modelPath) + ".onnx";
            var loaded = CaffeConversion.Convert(model.Source(parse), target, console.Warn);
            var import = loaded.Caffe!;
            var text = console.PlainOutput;
            text.WriteLine($"Converted {modelPath} + {model.WeightsPath(parse)}: {import.LayerOutputs.Count} layers → {loaded.Model.Graph.Nodes.Count} ONNX nodes (opset {loaded.Model.DefaultOpset}).");
            foreach (var input in import.Inputs)
                text.WriteLine($"Input: {input.Blob} [batch,{string.Join(",", input.Shape.Skip(1))}] from the {input.DeclaredBy}");
            text.WriteLine($"Outputs: {string.Join(", ", loaded.Model.Graph.Outputs.Select(o => o.Name))}");
            if (import.Preprocessing is { } preprocessing)
                text.WriteLine($"Preprocessing of data layer '{preprocessing.Layer}' stored in the model metadata ('{Graph.Caffe.CaffePreprocessing.MetadataKey}').");
            if (import.MergedLayers.Count > 0)
                text.WriteLine(CaffeNotices.JoinedScales(import.MergedLayers.Count));
            foreach (var (node, reason) in import.Restrictions)
                text.WriteLine($"Not quantized (AMCT): {node}: {reason}");
            text.WriteLine($"Wrote {target}");
            return CalibApp.Success;
        });
        return command;
    }
}
