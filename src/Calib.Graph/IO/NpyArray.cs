namespace Calib.Graph.IO;

/// <summary>The contents of a .npy file: its shape and its data, either float32 or uint8, in C order.</summary>
/// <param name="Shape">The dimensions.</param>
/// <param name="Floats">The values when the dtype is float32, else null.</param>
/// <param name="Bytes">The values when the dtype is uint8, else null.</param>
public sealed record NpyArray(int[] Shape, float[]? Floats, byte[]? Bytes)
{
    /// <summary>The shape as text, e.g. "[1,28,28]".</summary>
    public string ShapeText => $"[{string.Join(",", Shape)}]";
}
