using System.Text;
using System.Text.Json;
using Calib.Graph;

namespace Calib.Algorithms.Placement;

/// <summary>
/// The <c>--timings FILE</c> of a speed placement: written with the measured timings when the file does
/// not exist, read back instead of timing when it does. The placement depends only on the timings, so
/// runs that replay the same file place the same layers and write byte-identical outputs.
/// </summary>
public static class TimingsFile
{
    private const string FormatKey = "calib_placement_timings";
    // 2: single layers are candidates too, and the file says how many the search left untried.
    private const int Format = 2;

    /// <summary>The JSON text of <paramref name="result"/>'s timings.</summary>
    public static string ToJson(PlacementResult result)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber(FormatKey, Format);
            json.WriteStartArray("input_shape");
            foreach (var d in result.InputShape) json.WriteNumberValue(d);
            json.WriteEndArray();
            json.WriteString("device", result.Device);
            json.WriteNumber("intra_op_threads", result.IntraOpThreads);
            json.WriteStartArray("candidates");
            foreach (var c in result.Candidates) Write(json, c);
            json.WriteEndArray();
            json.WriteNumber("untried", result.Untried);
            json.WritePropertyName("whole_model");
            Write(json, result.Whole);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>The timings in <paramref name="path"/>, keyed by <see cref="PlacementTiming.Key"/>; the whole model's under <see cref="PlacementTiming.WholeModel"/>.</summary>
    /// <exception cref="CalibException">The file is not a timings file calib wrote (or one written in its form).</exception>
    public static Replay Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(FormatKey, out var format))
                throw Bad(path, $"it has no \"{FormatKey}\": {Format}");
            if (format.GetInt32() != Format)
                throw Bad(path, $"it is of form {format.GetInt32()}, written by another calib version (this one times single layers too and writes form {Format})");
            var candidates = root.TryGetProperty("candidates", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(e => Timing(path, e)).ToList()
                : throw Bad(path, "it has no \"candidates\" list");
            var whole = root.TryGetProperty("whole_model", out var w) ? Timing(path, w) : throw Bad(path, "it has no \"whole_model\" timing");
            var untried = root.TryGetProperty("untried", out var u) ? u.GetInt32() : 0;
            return new Replay(path, candidates.ToDictionary(c => c.Key), whole, untried);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"it is not valid JSON ({e.Message})");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw Bad(path, "a value has the wrong type");
        }
        catch (ArgumentException)
        {
            throw Bad(path, "it times the same layers twice");
        }
    }

    private static void Write(Utf8JsonWriter json, PlacementTiming timing)
    {
        json.WriteStartObject();
        json.WriteString("candidate", timing.Candidate);
        json.WriteStartArray("layers");
        foreach (var layer in timing.Layers) json.WriteStringValue(layer);
        json.WriteEndArray();
        json.WriteNumber("int8_ms", Math.Round(timing.Int8Ms, 4));
        json.WriteNumber("float_ms", Math.Round(timing.FloatMs, 4));
        json.WriteNumber("pairs", timing.Pairs);
        json.WriteEndObject();
    }

    private static PlacementTiming Timing(string path, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Bad(path, "a timing is not an object");
        string[] layers = [.. e.GetProperty("layers").EnumerateArray().Select(l => l.GetString()!)];
        var (int8, @float) = (e.GetProperty("int8_ms").GetDouble(), e.GetProperty("float_ms").GetDouble());
        if (!(int8 > 0) || !(@float > 0)) throw Bad(path, "int8_ms and float_ms must be positive");
        return new PlacementTiming(e.TryGetProperty("candidate", out var c) ? c.GetString() ?? "" : "", layers, int8, @float,
            e.TryGetProperty("pairs", out var p) ? p.GetInt32() : 0);
    }

    private static CalibException Bad(string path, string why) =>
        new($"Timings file '{path}' cannot be replayed: {why}. Delete it to measure again (--timings writes it when it does not exist).");

    /// <summary>Timings read from a file, looked up by the layers a candidate keeps float.</summary>
    /// <param name="Path">The file.</param>
    /// <param name="Candidates">By <see cref="PlacementTiming.Key"/>.</param>
    /// <param name="Whole">The whole model's timing.</param>
    /// <param name="Untried">Candidates the measuring run left untimed when its search time was spent.</param>
    public sealed record Replay(string Path, IReadOnlyDictionary<string, PlacementTiming> Candidates, PlacementTiming Whole, int Untried)
    {
        /// <summary>The timing of <paramref name="candidate"/>; null where the measuring run's search time ran out before it.</summary>
        /// <exception cref="CalibException">The file has none although its search ran to the end: it was written for another model or configuration.</exception>
        public PlacementTiming? Of(PlacementCandidate candidate) =>
            Candidates.TryGetValue(PlacementTiming.KeyOf(candidate.Layers), out var timing)
                ? timing with { Candidate = candidate.Name, Layers = candidate.Layers }
                : Untried > 0 ? null
                : throw Bad(Path, $"it has no timing for the {candidate.Name} ({string.Join(", ", candidate.Layers)}); it was written for another model or configuration");

        /// <summary>The whole model's timing, which must be of the same quantized layers.</summary>
        public PlacementTiming WholeOf(IReadOnlyList<string> quantized) =>
            Whole.Key == PlacementTiming.KeyOf(quantized)
                ? Whole with { Candidate = PlacementTiming.WholeModel, Layers = quantized }
                : throw Bad(Path, "its whole-model timing is of other quantized layers than this placement's; it was written for another model or configuration");
    }
}
