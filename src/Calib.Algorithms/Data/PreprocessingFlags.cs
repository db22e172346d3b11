using System.Globalization;
using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// The preprocessing flags of SPEC §5 as text, the way the command line and the config file give them.
/// <see cref="ToPreprocessing"/> starts from <see cref="Preset"/> (default "none") and overrides each
/// setting that is given; a bad value is a <see cref="CalibException"/> naming the flag.
/// </summary>
public sealed record PreprocessingFlags
{
    /// <summary>--preprocess: imagenet, caffe, mnist or none.</summary>
    public string? Preset { get; init; }

    /// <summary>--resize: N or HxW.</summary>
    public string? Resize { get; init; }

    /// <summary>--crop: N or HxW.</summary>
    public string? Crop { get; init; }

    /// <summary>--channel-order: rgb or bgr.</summary>
    public string? ChannelOrder { get; init; }

    /// <summary>--scale: a number or a fraction such as 1/255.</summary>
    public string? Scale { get; init; }

    /// <summary>--mean: a or a,b,c.</summary>
    public string? Mean { get; init; }

    /// <summary>--std: a or a,b,c.</summary>
    public string? Std { get; init; }

    /// <summary>--mean-values: a or a,b,c (Caffe style, on raw 0–255 pixels).</summary>
    public string? MeanValues { get; init; }

    /// <summary>The preset with every given flag applied over it.</summary>
    /// <exception cref="CalibException">A flag value does not parse; the message names the flag.</exception>
    public Preprocessing ToPreprocessing()
    {
        var result = Preprocessing.Preset(Preset ?? "none");
        if (Resize is not null) result = result with { Resize = Preprocessing.ParseSize(Resize, "--resize") };
        if (Crop is not null) result = result with { Crop = Preprocessing.ParseSize(Crop, "--crop") };
        if (ChannelOrder is not null) result = result with { ChannelOrder = ParseChannelOrder(ChannelOrder) };
        if (Scale is not null) result = result with { Scale = ParseNumber(Scale, "--scale") };
        if (Mean is not null) result = result with { Mean = ParseValues(Mean, "--mean") };
        if (Std is not null) result = result with { Std = ParseValues(Std, "--std") };
        if (MeanValues is not null) result = result with { MeanValues = ParseValues(MeanValues, "--mean-values") };
        return result;
    }

    /// <summary>Parses "rgb" or "bgr" (case-insensitive).</summary>
    /// <exception cref="CalibException">Anything else; the message quotes the value.</exception>
    public static ChannelOrder ParseChannelOrder(string text) => text.Trim().ToLowerInvariant() switch
    {
        "rgb" => Data.ChannelOrder.Rgb,
        "bgr" => Data.ChannelOrder.Bgr,
        _ => throw new CalibException($"--channel-order '{text}' is not a channel order: use rgb or bgr."),
    };

    /// <summary>Parses a number such as 0.017 or a fraction such as 1/255 (computed in float).</summary>
    /// <exception cref="CalibException">The text is not a number; the message names <paramref name="flag"/>.</exception>
    public static float ParseNumber(string text, string flag) =>
        TryParseNumber(text) ?? throw new CalibException(
            $"{flag} '{text}' is not a number: give a decimal such as 0.017 or a fraction such as 1/255.");

    /// <summary>Parses a comma-separated list of numbers such as "0.485,0.456,0.406".</summary>
    /// <exception cref="CalibException">An item is not a number; the message names <paramref name="flag"/>.</exception>
    public static float[] ParseValues(string text, string flag)
    {
        var items = text.Split(',');
        var values = new float[items.Length];
        for (var i = 0; i < items.Length; i++)
            values[i] = TryParseNumber(items[i]) ?? throw new CalibException(
                $"{flag} '{text}' is not a list of numbers: give one value or one per channel, e.g. {flag} 0.485,0.456,0.406.");
        return values;
    }

    private static float? TryParseNumber(string text)
    {
        var parts = text.Split('/');
        if (parts.Length > 2 || !TryParseDecimal(parts[0], out var value)) return null;
        if (parts.Length == 1) return value;
        return TryParseDecimal(parts[1], out var divisor) && divisor != 0 ? value / divisor : null;
    }

    private static bool TryParseDecimal(string text, out float value) =>
        float.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);
}
