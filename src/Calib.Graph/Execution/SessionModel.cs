using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Graph.Execution;

/// <summary>
/// A model as ONNX Runtime opens it. Up to the single-file limit it is the model's bytes. Above it,
/// it is written to a temporary folder as the model file and its external data file (as calib writes
/// outputs), which ONNX Runtime opens by path and reads (or maps) while the session is created.
/// </summary>
/// <remarks>
/// ONNX Runtime's C API can take large initializers from memory (AddExternalInitializers), but its C#
/// package (1.31) does not expose that call; and with <see cref="SessionOptions.AddInitializer"/> over a
/// model whose initializers are marked external, ONNX Runtime still refuses to load unless the named data
/// file exists ("External data path does not exist"), and a file it might read is then what it must hold.
/// </remarks>
internal sealed class SessionModel : IDisposable
{
    private const string FileName = "model.onnx";

    private readonly byte[]? _bytes;
    private readonly string? _folder;

    private SessionModel(byte[]? bytes, string? folder)
    {
        _bytes = bytes;
        _folder = folder;
    }

    /// <summary>Lays <paramref name="model"/> out for a session: bytes, or files in a temporary folder when it is above the single-file limit.</summary>
    /// <exception cref="CalibException">The temporary files cannot be written, or the graph is above 2 GiB even without its large tensors.</exception>
    public static SessionModel For(OnnxModel model)
    {
        const string name = FileName;
        var layout = ModelFileLayout.Plan(model, OnnxModelFile.DataFileName(name), ModelFileLayout.Limit, keepExternal: false);
        if (layout.External is null) return new SessionModel(layout.ModelBytes(), null);
        var folder = Directory.CreateTempSubdirectory("calib-session-").FullName;
        var session = new SessionModel(null, folder);
        try
        {
            File.WriteAllBytes(Path.Join(folder, name), layout.ModelBytes());
            using var data = new FileStream(Path.Join(folder, OnnxModelFile.DataFileName(name)), FileMode.CreateNew, FileAccess.Write);
            layout.WriteData(data);
            return session;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            session.Dispose();
            throw new CalibException($"Cannot write the {layout.InlineSize / (1L << 20)} MiB model '{model.Graph.Name}' to the temporary folder '{folder}' " +
                                     $"for ONNX Runtime: {e.Message}. Free space there or point TMPDIR at a disk with room.");
        }
    }

    /// <summary>Creates the session.</summary>
    public InferenceSession Open(SessionOptions options) =>
        _folder is null ? new InferenceSession(_bytes!, options) : new InferenceSession(Path.Join(_folder, FileName), options);

    /// <summary>Deletes the temporary files (once the session holds the tensors, they are no longer read); calling it again does nothing.</summary>
    public void Dispose()
    {
        // The session holds the tensors once it is made: the runner keeps neither the bytes nor the files.
        try { if (_folder is not null && Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
