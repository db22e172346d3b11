using Calib.Graph;
using Calib.Graph.Shapes;

namespace Calib.Algorithms.Data;

/// <summary>What one sample of the model input looks like: the C, H, W of an [N,C,H,W] input.</summary>
/// <param name="Channels">The channel count: 1 takes grayscale images, 3 colour images.</param>
/// <param name="Height">The height, or null when the model leaves it symbolic.</param>
/// <param name="Width">The width, or null when the model leaves it symbolic.</param>
public sealed record InputLayout(int Channels, int? Height, int? Width)
{
    /// <summary>The layout of a model input of shape [N,C,H,W] with a fixed C.</summary>
    /// <exception cref="CalibException">The input is not rank 4 or its channel count is not fixed.</exception>
    public static InputLayout FromTensor(TensorInfo input)
    {
        if (input.Rank != 4 || input.DimensionOrNull(1) is not { } channels || channels <= 0)
            throw new CalibException(
                $"Model input '{input.Name}' has shape {input.ShapeText}: calibration data needs an NCHW input " +
                "(rank 4) with a fixed channel count.");
        return new InputLayout((int)channels, Fixed(input.DimensionOrNull(2)), Fixed(input.DimensionOrNull(3)));
    }

    /// <summary>"1x28x28" or "3x?x?" for messages.</summary>
    public override string ToString() => $"{Channels}x{Height?.ToString() ?? "?"}x{Width?.ToString() ?? "?"}";

    private static int? Fixed(long? size) => size is > 0 ? (int)size : null;
}
