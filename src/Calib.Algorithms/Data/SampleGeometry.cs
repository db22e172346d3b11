using Calib.Graph;

namespace Calib.Algorithms.Data;

/// <summary>
/// The height and width every sample of a batch must have: the crop, else the resize, else the
/// model's; where none fixes a dimension (a symbolic model input without --resize), the first
/// sample does, and the others must match it. Settings that cannot fit the model fail at
/// construction, before any file is read.
/// </summary>
internal sealed class SampleGeometry
{
    private readonly InputLayout _layout;
    private readonly int? _height;
    private readonly int? _width;

    /// <exception cref="CalibException">The crop is larger than the resize, or the preprocessed size is not the model's.</exception>
    public SampleGeometry(InputLayout layout, Preprocessing preprocessing)
    {
        _layout = layout;
        if (preprocessing is { Resize: { } resize, Crop: { } crop } && (crop.Height > resize.Height || crop.Width > resize.Width))
            throw new CalibException(
                $"--crop {crop.Height}x{crop.Width} is larger than --resize {resize.Height}x{resize.Width}: the crop is taken from the resized image.");
        var size = preprocessing.Crop ?? preprocessing.Resize;
        if (size is { } s && (s.Height != (layout.Height ?? s.Height) || s.Width != (layout.Width ?? s.Width)))
            throw new CalibException(
                $"The preprocessing gives {s.Height}x{s.Width} (HxW) images but the model input is {layout} (CxHxW): " +
                $"set --resize (and --crop) so that they give {layout.Height?.ToString() ?? "H"}x{layout.Width?.ToString() ?? "W"}.");
        _height = size?.Height ?? layout.Height;
        _width = size?.Width ?? layout.Width;
    }

    /// <summary>
    /// Checks a sample's size, in file order; <paramref name="first"/> is the run's first accepted
    /// sample (null for the first itself), whose size settles the dimensions nothing else fixes.
    /// </summary>
    /// <exception cref="CalibException">The size does not fit; the message names the file and what to do.</exception>
    public void Check(LoadedSample sample, (string File, int Height, int Width)? first)
    {
        if (sample.Height != (_height ?? sample.Height) || sample.Width != (_width ?? sample.Width))
            throw new CalibException(sample is TensorSample
                ? $"'{sample.File}' is {Size(sample)} (HxW) but the model input is {_layout} (CxHxW): .npy tensors are used as they are, without resize or crop."
                : $"'{sample.File}' is {Size(sample)} (HxW) but the model input is {_layout} (CxHxW): pass --resize {_height?.ToString() ?? "H"}x{_width?.ToString() ?? "W"} to resize the images.");
        if (first is { } f && (sample.Height != f.Height || sample.Width != f.Width))
            throw new CalibException(
                $"'{sample.File}' is {Size(sample)} (HxW) but '{f.File}' is {f.Height}x{f.Width}: the model input {_layout} has no fixed size, " +
                "so all samples must have one size; pass --resize HxW to resize the images.");
    }

    private static string Size(LoadedSample sample) => $"{sample.Height}x{sample.Width}";
}
