using Calib.Algorithms.Data;
using Calib.Algorithms.Ristretto;
using Calib.Graph.Execution;

namespace Calib.Algorithms.Workflows;

/// <summary>What <c>calib ristretto quantize</c> asks for.</summary>
public sealed record RistrettoRequest
{
    /// <summary>The float model: an .onnx file or a Caffe (train/test) prototxt.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The Caffe caffemodel; null for ONNX models.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>Overrides a Caffe net's input shape (N,C,H,W).</summary>
    public long[]? InputShape { get; init; }

    /// <summary>
    /// Where the quantized description goes: the Ristretto prototxt for Caffe models, the JSON of the
    /// same parameters for ONNX models. The simulation model is written beside it as <c>&lt;stem&gt;_simulation.onnx</c>.
    /// </summary>
    public required string QuantizedModelPath { get; init; }

    /// <summary>The trimming mode.</summary>
    public required RistrettoPrecision TrimmingMode { get; init; }

    /// <summary>The allowed absolute accuracy drop, in percentage points.</summary>
    public double ErrorMargin { get; init; } = 2;

    /// <summary>Batches per score.</summary>
    public int Iterations { get; init; } = 50;

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>The labelled evaluation set (see <see cref="LabelledImages"/>).</summary>
    public required string EvalSet { get; init; }

    /// <summary>The preprocessing for models that do not declare one (ONNX models); a Caffe net's data layer takes precedence.</summary>
    public Preprocessing? Preprocessing { get; init; }

    /// <summary>Where ONNX Runtime runs.</summary>
    public ExecutionOptions Execution { get; init; } = ExecutionOptions.Default;

    /// <summary>The name of a trimming mode on the command line and in Ristretto.</summary>
    public static string ModeName(RistrettoPrecision mode) => mode switch
    {
        RistrettoPrecision.DynamicFixedPoint => "dynamic_fixed_point",
        RistrettoPrecision.Minifloat => "minifloat",
        _ => "integer_power_of_2_weights",
    };

    /// <summary>The trimming modes' names.</summary>
    public static IReadOnlyList<string> ModeNames { get; } = Enum.GetValues<RistrettoPrecision>().Select(ModeName).ToArray();

    /// <summary>Parses a trimming mode's name; null when it is none of <see cref="ModeNames"/>.</summary>
    public static RistrettoPrecision? ParseMode(string name) =>
        Enum.GetValues<RistrettoPrecision>().Cast<RistrettoPrecision?>().FirstOrDefault(m => ModeName(m!.Value) == name);
}
