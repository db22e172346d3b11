using System.CommandLine;
using Calib.Algorithms.Data;

namespace Calib.Cli.Infrastructure;

/// <summary>The preprocessing flags of SPEC §5; <see cref="PreprocessingFlags"/> combines them.</summary>
internal sealed class PreprocessingOptions
{
    private readonly Option<string?> _preset = new("--preprocess") { Description = $"Preset: {string.Join(", ", Preprocessing.PresetNames)} (flags below override it)." };
    private readonly Option<string?> _resize = new("--resize") { Description = "Resize images (bilinear) to N or HxW." };
    private readonly Option<string?> _crop = new("--crop") { Description = "Center-crop to N or HxW after resizing." };
    private readonly Option<string?> _channelOrder = new("--channel-order") { Description = "rgb (default) or bgr." };
    private readonly Option<string?> _scale = new("--scale") { Description = "Multiplies raw 0-255 pixels, e.g. 0.0039 or 1/255 (default 1/255 with --mean/--std, else 1)." };
    private readonly Option<string?> _mean = new("--mean") { Description = "Mean(s) subtracted after scaling: a or a,b,c." };
    private readonly Option<string?> _std = new("--std") { Description = "Standard deviation(s) divided after the mean: a or a,b,c." };
    private readonly Option<string?> _meanValues = new("--mean-values") { Description = "Caffe-style mean(s) subtracted from raw pixels before --scale." };

    public IEnumerable<Option> All => [_preset, _resize, _crop, _channelOrder, _scale, _mean, _std, _meanValues];

    /// <summary>The preprocessing the flags give, or null when none is given (the model's own then applies).</summary>
    public Preprocessing? ResolveOrNull(ParseResult parse) =>
        All.Any(option => parse.GetResult(option) is not null) ? Resolve(parse) : null;

    private Preprocessing Resolve(ParseResult parse) => new PreprocessingFlags
    {
        Preset = parse.GetValue(_preset),
        Resize = parse.GetValue(_resize),
        Crop = parse.GetValue(_crop),
        ChannelOrder = parse.GetValue(_channelOrder),
        Scale = parse.GetValue(_scale),
        Mean = parse.GetValue(_mean),
        Std = parse.GetValue(_std),
        MeanValues = parse.GetValue(_meanValues),
    }.ToPreprocessing();
}
