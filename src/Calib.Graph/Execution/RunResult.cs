using Microsoft.ML.OnnxRuntime;

namespace Calib.Graph.Execution;

/// <summary>
/// The outputs of one run, by name. The values live in ONNX Runtime's memory and are released
/// by <see cref="Dispose"/>; spans handed out are valid until then.
/// </summary>
public sealed class RunResult : IDisposable
{
    private readonly IDisposableReadOnlyCollection<OrtValue> _values;
    private readonly IReadOnlyDictionary<string, int> _index;

    internal RunResult(IReadOnlyDictionary<string, int> index, IDisposableReadOnlyCollection<OrtValue> values)
    {
        _values = values;
        _index = index;
    }

    /// <summary>The output names, in order.</summary>
    public IEnumerable<string> Names => _index.Keys;

    /// <summary>The raw ONNX Runtime value of output <paramref name="name"/>.</summary>
    public OrtValue this[string name] => _index.TryGetValue(name, out var i)
        ? _values[i]
        : throw new KeyNotFoundException($"The run has no output '{name}'.");

    /// <summary>The float data of output <paramref name="name"/>, row-major.</summary>
    public ReadOnlySpan<float> Floats(string name) => this[name].GetTensorDataAsSpan<float>();

    /// <summary>The shape of tensor output <paramref name="name"/>.</summary>
    public long[] Shape(string name) => this[name].GetTensorTypeAndShape().Shape;

    /// <inheritdoc/>
    public void Dispose() => _values.Dispose();
}
