namespace Calib.Algorithms.Data;

/// <summary>One calibration file, loaded and shaped, waiting to be written into its batch slot.</summary>
internal abstract class LoadedSample(string file, int height, int width) : IDisposable
{
    /// <summary>The file it came from.</summary>
    public string File { get; } = file;

    /// <summary>The height it will have in the batch.</summary>
    public int Height { get; } = height;

    /// <summary>The width it will have in the batch.</summary>
    public int Width { get; } = width;

    /// <summary>Writes the sample as channels × <see cref="Height"/> × <see cref="Width"/> floats.</summary>
    public abstract void WriteTo(Span<float> destination, PixelTransform transform);

    /// <summary>Returns borrowed buffers; a sample holding none has nothing to do.</summary>
    public virtual void Dispose() { }
}
