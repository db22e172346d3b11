using Calib.Graph.Caffe.Proto;

namespace Calib.Graph.Caffe;

/// <summary>
/// Reads the dimensions and values of a Caffe blob: <c>shape</c> when present, else the legacy
/// num/channels/height/width; float <c>data</c> or <c>double_data</c>.
/// </summary>
public static class BlobReader
{
    /// <summary>The blob's dimensions as stored (legacy blobs are always 4-D).</summary>
    public static long[] Dims(BlobProto blob) =>
        blob.Shape is { } shape ? shape.Dim.ToArray() : [blob.Num, blob.Channels, blob.Height, blob.Width];

    /// <summary>The blob's values as float32 (double_data is narrowed).</summary>
    public static float[] Values(BlobProto blob) =>
        blob.Data.Count > 0 || blob.DoubleData.Count == 0
            ? blob.Data.ToArray()
            : blob.DoubleData.Select(d => (float)d).ToArray();

    /// <summary>
    /// True when a blob of <paramref name="stored"/> dimensions can serve where <paramref name="expected"/>
    /// ones are needed: the same dimensions once leading 1s are dropped from both. Caffe accepts this for
    /// legacy blobs, whose InnerProduct weights are stored as 1×1×N×K and biases as 1×1×1×N.
    /// </summary>
    public static bool Fits(long[] stored, long[] expected) =>
        WithoutLeadingOnes(stored).SequenceEqual(WithoutLeadingOnes(expected));

    /// <summary>Dimensions as text, e.g. "[20,1,5,5]".</summary>
    public static string Format(IEnumerable<long> dims) => $"[{string.Join(",", dims)}]";

    private static IEnumerable<long> WithoutLeadingOnes(long[] dims) => dims.SkipWhile(d => d == 1);
}
