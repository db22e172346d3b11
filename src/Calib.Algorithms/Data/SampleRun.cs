namespace Calib.Algorithms.Data;

/// <summary>
/// Calibration samples by identity: a file and a run of the samples it holds. An image (or a [C,H,W]
/// .npy) is one sample; a batched .npy/.npz file holds several, numbered from 0 in file order.
/// </summary>
/// <param name="File">The file: an image, .npy or .npz file; for per-input folders the paired files as "a/000.npy + b/000.npy"; for images with .npz partners the image.</param>
/// <param name="Start">The index of the first sample of the run in the file.</param>
/// <param name="Count">How many samples; null runs to the end of the file.</param>
public sealed record SampleRun(string File, long Start = 0, long? Count = null);
