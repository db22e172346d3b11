using System.Globalization;

namespace Calib.Bench;

/// <summary>This process's memory as Linux reports it in /proc/self/status.</summary>
/// <param name="PeakRssKib">VmHWM: the largest resident set size so far (native memory of ONNX Runtime and Skia included).</param>
/// <param name="RssKib">VmRSS: the resident set size now.</param>
internal sealed record ProcStatus(long PeakRssKib, long RssKib)
{
    /// <summary>Reads the current figures.</summary>
    /// <exception cref="PlatformNotSupportedException">There is no /proc/self/status (not Linux).</exception>
    public static ProcStatus Read()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) throw new PlatformNotSupportedException($"{path} does not exist: the memory measurement needs Linux.");
        var fields = File.ReadLines(path)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
        return new ProcStatus(KiB(fields, "VmHWM"), KiB(fields, "VmRSS"));
    }

    // The kernel writes these as "<number> kB".
    private static long KiB(Dictionary<string, string> fields, string name) =>
        long.Parse(fields[name].Split(' ')[0], CultureInfo.InvariantCulture);
}
