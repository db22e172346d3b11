using Calib.Graph.Onnx;
using Calib.Graph.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Graph.Tests.OnnxSuite;

/// <summary>How one test-suite model fared: the round trip is judged against ONNX Runtime's own verdict on the original.</summary>
internal enum SuiteOutcome
{
    /// <summary>Round-tripped model gives bit-identical outputs to the original.</summary>
    Identical,

    /// <summary>ONNX Runtime rejects the original model too (an op or type it lacks), and the round trip likewise.</summary>
    OriginalNotLoadable,

    /// <summary>ONNX Runtime loads but fails running the original, and fails the round trip likewise.</summary>
    OriginalNotRunnable,

    /// <summary>The stored inputs are of a kind the harness cannot feed (maps, empty optionals).</summary>
    InputsNotFeedable,

    /// <summary>calib failed: could not load, lost information, or changed ONNX Runtime's behaviour.</summary>
    Broken,
}

/// <summary>One model of ONNX's test data, with its stored input/output sets.</summary>
internal sealed record SuiteCase(string Suite, string Directory)
{
    public string Name => $"{Suite}/{Path.GetFileName(Directory)}";

    public sealed record Result(SuiteCase Case, SuiteOutcome Outcome, bool? MatchesReference, string Detail);

    public Result Run()
    {
        var path = Path.Combine(Directory, "model.onnx");
        var original = File.ReadAllBytes(path);
        byte[] roundTripped;
        try
        {
            roundTripped = OnnxModelFile.ToBytes(OnnxModelFile.Parse(original, path, Directory));
        }
        catch (Exception e)
        {
            return Broken($"load failed: {e.Message}");
        }
        if (!ModelProto.Parser.ParseFrom(original).Equals(ModelProto.Parser.ParseFrom(roundTripped)))
            return Broken("the saved model message differs from the loaded one");
        return CompareInRuntime(original, roundTripped);
    }

    private Result CompareInRuntime(byte[] original, byte[] roundTripped)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        InferenceSession originalSession;
        try { originalSession = new InferenceSession(original, options); }
        catch (OnnxRuntimeException e)
        {
            return Loads(roundTripped, options)
                ? Broken("ONNX Runtime loads the round trip but not the original")
                : new Result(this, SuiteOutcome.OriginalNotLoadable, null, FirstLine(e.Message));
        }
        using (originalSession)
        using (var roundTripSession = new InferenceSession(roundTripped, options))
            return CompareRuns(originalSession, roundTripSession);
    }

    private Result CompareRuns(InferenceSession original, InferenceSession roundTrip)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Directory, "model.onnx")));
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var inputs = model.Graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        var outputNames = model.Graph.Output.Select(o => o.Name).ToArray();
        bool? matchesReference = null;
        foreach (var dataSet in System.IO.Directory.GetDirectories(Directory, "test_data_set_*").Order(StringComparer.Ordinal))
        {
            var feeds = ReadValues(dataSet, "input", inputs);
            if (feeds is null || !Feedable(feeds.Values))
                return new Result(this, SuiteOutcome.InputsNotFeedable, null, "map, sparse, empty sequence or empty optional input");
            var expected = ReadValues(dataSet, "output", model.Graph.Output.ToList());
            var (a, errorA) = Execute(original, feeds, outputNames);
            var (b, errorB) = Execute(roundTrip, feeds, outputNames);
            if (a is null || b is null)
                return (a is null) == (b is null)
                    ? new Result(this, SuiteOutcome.OriginalNotRunnable, null, errorA ?? errorB ?? "")
                    : Broken($"only one model runs: {errorA ?? errorB}");
            for (var i = 0; i < a.Count; i++)
                if (!a[i].SameAs(b[i])) return Broken($"output '{outputNames[i]}' differs after the round trip");
            if (expected is not null)
                matchesReference = (matchesReference ?? true) && outputNames.Select((n, i) => b[i].Near(expected[n])).All(x => x);
        }
        return new Result(this, SuiteOutcome.Identical, matchesReference, "");
    }

    private static (IReadOnlyList<SuiteValue>? Values, string? Error) Execute(
        InferenceSession session, Dictionary<string, SuiteValue> feeds, string[] outputNames)
    {
        var names = feeds.Keys.ToArray();
        var values = names.Select(n => feeds[n].ToOrt()).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            return ([.. results.Select(SuiteValue.FromOrt)], null);
        }
        catch (OnnxRuntimeException e)
        {
            return (null, FirstLine(e.Message));
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    // The i-th input_i.pb / output_i.pb holds the i-th declared input/output; its kind follows the declared type.
    private static Dictionary<string, SuiteValue>? ReadValues(string dataSet, string prefix, IReadOnlyList<ValueInfoProto> declared)
    {
        var values = new Dictionary<string, SuiteValue>();
        for (var i = 0; i < declared.Count; i++)
        {
            var file = Path.Combine(dataSet, $"{prefix}_{i}.pb");
            if (!File.Exists(file)) return null;
            var bytes = File.ReadAllBytes(file);
            SuiteValue? value = declared[i].Type?.ValueCase switch
            {
                TypeProto.ValueOneofCase.TensorType => SuiteValue.FromTensorProto(TensorProto.Parser.ParseFrom(bytes), declared[i].Type.TensorType.ElemType),
                TypeProto.ValueOneofCase.SequenceType => SuiteValue.FromSequenceProto(SequenceProto.Parser.ParseFrom(bytes)),
                TypeProto.ValueOneofCase.OptionalType => SuiteValue.FromOptionalProto(OptionalProto.Parser.ParseFrom(bytes)),
                _ => null,
            };
            if (value is null) return null;
            values[declared[i].Name] = value;
        }
        return values;
    }

    private static bool Feedable(IEnumerable<SuiteValue> values)
    {
        try
        {
            foreach (var value in values) value.ToOrt().Dispose();
            return true;
        }
        catch (NotSupportedException) { return false; }
    }

    private static bool Loads(byte[] model, SessionOptions options)
    {
        try { using var _ = new InferenceSession(model, options); return true; }
        catch (OnnxRuntimeException) { return false; }
    }

    private Result Broken(string detail) => new(this, SuiteOutcome.Broken, null, detail);

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
