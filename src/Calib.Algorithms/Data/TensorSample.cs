using Calib.Graph.IO;

namespace Calib.Algorithms.Data;

/// <summary>
/// A .npy tensor already in the model's [C,H,W] layout. Float32 tensors are taken as preprocessed
/// and copied unchanged; uint8 tensors are raw 0–255 pixels (a uint8 array cannot hold normalized
/// values), so they get the value half of the preprocessing — mean values, scale, mean, std — but
/// no resize, crop or channel reordering.
/// </summary>
internal sealed class TensorSample(string file, NpyArray array, int height, int width) : LoadedSample(file, height, width)
{
    public override void WriteTo(Span<float> destination, PixelTransform transform)
    {
        if (array.Floats is not null)
        {
            array.Floats.CopyTo(destination);
            return;
        }
        var pixels = array.Bytes!;
        var plane = Height * Width;
        for (var c = 0; c < transform.Channels; c++)
        {
            var table = transform.Table(c);
            var source = pixels.AsSpan(c * plane, plane);
            var output = destination.Slice(c * plane, plane);
            for (var i = 0; i < plane; i++) output[i] = table[source[i]];
        }
    }
}
