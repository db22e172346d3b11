using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Graph.Execution;

/// <summary>
/// An ONNX Runtime session over an IR model. Any intermediate tensor can be requested as an
/// extra output: it is declared (name only) as a graph output, which ONNX Runtime then keeps
/// and returns, with its type and shape inferred.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    // Made once: every run (one per calibration batch) hands ONNX Runtime the same names.
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly IReadOnlyDictionary<string, int> _outputIndex;

    private ModelRunner(InferenceSession session, string modelName)
    {
        _session = session;
        ModelName = modelName;
        _inputNames = [.. session.InputNames];
        _outputNames = [.. session.OutputNames];
        _outputIndex = _outputNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The model's file and graph name ("model 'net.onnx' (graph 'torch_jit')"), for messages.</summary>
    public string ModelName { get; }

    /// <summary>The inputs to feed, in the model's order (initializers excluded).</summary>
    public IReadOnlyList<string> InputNames => _inputNames;

    /// <summary>All outputs: the model's own, then the requested intermediate tensors.</summary>
    public IReadOnlyList<string> OutputNames => _outputNames;

    /// <summary>ONNX Runtime's view of the outputs, including inferred types of intermediate tensors.</summary>
    public IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => _session.OutputMetadata;

    /// <summary>
    /// Builds a session for <paramref name="model"/>, with <paramref name="extraOutputs"/> (tensor
    /// names of the main graph) returned after the model's own outputs. A model above 2 GiB runs too: ONNX
    /// Runtime opens it from a temporary model file and data file (see <see cref="SessionModel"/>).
    /// </summary>
    /// <exception cref="CalibException">ONNX Runtime rejects the model, or the device is unavailable.</exception>
    public static ModelRunner Create(OnnxModel model, ExecutionOptions? options = null, IEnumerable<string>? extraOutputs = null)
    {
        options ??= ExecutionOptions.Default;
        using var sessionOptions = SessionOptionsFor(options);
        using var source = SessionModel.For(WithOutputs(model, extraOutputs ?? []));
        try
        {
            return new ModelRunner(source.Open(sessionOptions), Describe(model));
        }
        catch (OnnxRuntimeException e)
        {
            throw LoadFailure(model, options, e);
        }
    }

    private static CalibException LoadFailure(OnnxModel model, ExecutionOptions options, OnnxRuntimeException e) =>
        options.Device == ExecutionDevice.Cuda
            // With every library present, what is left is the GPU itself: a wrong ordinal, a driver too old, no memory.
            ? new CalibException($"ONNX Runtime cannot start model '{model.Graph.Name}' on CUDA device {options.DeviceId}: {FirstLine(e.Message)}. " +
                                 "Check the device number against nvidia-smi and the driver against CUDA 13, or use --device cpu.")
            : new CalibException(
                $"ONNX Runtime cannot load {Describe(model)}: {FirstLine(e.Message)}. Check the model with onnx.checker " +
                "(python3 -c \"import onnx,sys; onnx.checker.check_model(sys.argv[1], full_check=True)\" model.onnx) and that ONNX Runtime supports its operators.");

    /// <summary>Runs the model on named inputs and returns every output.</summary>
    /// <exception cref="CalibException">ONNX Runtime fails (wrong input shape or type, kernel error).</exception>
    public RunResult Run(IReadOnlyDictionary<string, OrtValue> inputs)
    {
        var values = new OrtValue[_inputNames.Length];
        for (var i = 0; i < values.Length; i++)
            values[i] = inputs.TryGetValue(_inputNames[i], out var value)
                ? value
                : throw new ArgumentException($"Input '{_inputNames[i]}' not supplied.");
        try
        {
            return new RunResult(_outputIndex, _session.Run(_runOptions, _inputNames, values, _outputNames));
        }
        catch (OnnxRuntimeException e)
        {
            throw new CalibException(
                $"ONNX Runtime failed running {ModelName}: {FirstLine(e.Message)}. Check that the input fits the model " +
                "(image size: --resize/--crop; Caffe: --input-shape) and that the model runs in ONNX Runtime on its own.");
        }
    }

    /// <summary>Runs the model on one float input tensor (the common single-input case).</summary>
    public RunResult Run(string inputName, float[] data, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        return Run(new Dictionary<string, OrtValue> { [inputName] = value });
    }

    /// <summary>Runs the model on tensors of any element type, one per input name.</summary>
    /// <exception cref="CalibException">ONNX Runtime fails (wrong input shape or type, kernel error).</exception>
    public RunResult Run(IReadOnlyDictionary<string, IO.TypedArray> inputs)
    {
        var values = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, array) in inputs)
            {
                // ONNX Runtime's element type numbers are ONNX's own.
                var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (Microsoft.ML.OnnxRuntime.Tensors.TensorElementType)(int)array.ElementType, array.Shape);
                values[name] = value;
                array.Data.CopyTo(value.GetTensorMutableRawData());
            }
            return Run(values);
        }
        finally
        {
            foreach (var value in values.Values) value.Dispose();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static OnnxModel WithOutputs(OnnxModel model, IEnumerable<string> extraOutputs)
    {
        var wanted = extraOutputs.Where(n => !model.Graph.IsGraphOutput(n)).Distinct().ToList();
        if (wanted.Count == 0) return model;
        var produced = model.Graph.Nodes.SelectMany(n => n.Outputs).ToHashSet(StringComparer.Ordinal);
        var unknown = wanted.Where(n => !produced.Contains(n)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"No node produces tensor(s) {string.Join(", ", unknown)}.");
        var copy = model.Clone();
        foreach (var name in wanted)
            copy.Graph.Outputs.Add(new Onnx.Proto.ValueInfoProto { Name = name });
        return copy;
    }

    private static SessionOptions SessionOptionsFor(ExecutionOptions options)
    {
        if (options.Device == ExecutionDevice.Cuda) CudaSupport.EnsureAvailable();
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.Optimize
                ? GraphOptimizationLevel.ORT_ENABLE_ALL
                : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (options.OptimizedModelPath is { } path) sessionOptions.OptimizedModelFilePath = path;
        if (!options.AllowSpinning) sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (options.Device == ExecutionDevice.Cuda) AppendCuda(sessionOptions, options.DeviceId);
        return sessionOptions;
    }

    private static void AppendCuda(SessionOptions sessionOptions, int deviceId)
    {
        try
        {
            // TF32 (on by default, Ampere and later) rounds Conv/MatMul inputs to 10 mantissa bits: the
            // observed ranges would then differ from the CPU's by ~1e-3 instead of float rounding.
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string>
            {
                ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["use_tf32"] = "0",
            });
            sessionOptions.AppendExecutionProvider_CUDA(cuda);
        }
        catch (OnnxRuntimeException e)
        {
            sessionOptions.Dispose();
            throw new CalibException($"ONNX Runtime's CUDA execution provider could not start on device {deviceId}: {FirstLine(e.Message)}. Check the CUDA/cuDNN installation ({CudaSupport.Requirements}) or use --device cpu.");
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim().TrimEnd('.');

    // The file is what the user can act on; the graph name ('torch_jit', 'main_graph') is often a generic default.
    private static string Describe(OnnxModel model) =>
        model.SourcePath is { } path ? $"model '{path}' (graph '{model.Graph.Name}')" : $"model '{model.Graph.Name}'";
}
