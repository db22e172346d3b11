using System.Globalization;

namespace Calib.Algorithms.Evaluation;

/// <summary>Where the fidelity samples came from.</summary>
public enum FidelitySource
{
    /// <summary>Calibration samples that calibration neither fed nor skipped: held out.</summary>
    HeldOut,

    /// <summary>A folder given for the purpose (calib run --fidelity-set, calib eval --images).</summary>
    Folder,

    /// <summary>
    /// The calibration samples themselves, because calibration used every one: the figures are then
    /// in-sample and flatter the model; the run says so.
    /// </summary>
    CalibrationSamples,
}

/// <summary>One model output of a quantized model compared with the float model's.</summary>
/// <param name="Output">The output name in the float model.</param>
/// <param name="FakeQuant">The fake-quant model's error on it.</param>
/// <param name="Deploy">The deploy model's error on it; null when the deploy model was not measured.</param>
public sealed record OutputFidelity(string Output, TensorError FakeQuant, TensorError? Deploy);

/// <summary>How close the quantized models' outputs are to the float model's, on unlabelled inputs.</summary>
/// <param name="Outputs">One entry per model output, in graph order.</param>
/// <param name="Samples">Number of inputs compared.</param>
/// <param name="Location">The folder they were read from.</param>
/// <param name="Source">Whether they were held out from calibration.</param>
public sealed record FidelityReport(IReadOnlyList<OutputFidelity> Outputs, int Samples, string Location, FidelitySource Source)
{
    /// <summary>What the samples are called: "images" when they were images, else "samples".</summary>
    public string Noun { get; init; } = "samples";

    /// <summary>The samples compared, by identity, in order.</summary>
    public IReadOnlyList<Data.SampleRun> Measured { get; init; } = [];

    /// <summary>The lowest fake-quant cosine over the outputs: what a --min-cosine target is held to.</summary>
    public double WorstCosine => Outputs.Min(o => o.FakeQuant.Cosine);

    /// <summary>The lowest fake-quant SQNR (dB) over the outputs: what a --min-sqnr target is held to.</summary>
    public double WorstSqnrDb => Outputs.Min(o => o.FakeQuant.SqnrDb);

    /// <summary>Whether every output meets <paramref name="settings"/>' targets.</summary>
    public bool Meets(FidelitySettings settings) =>
        (settings.MinCosine is not { } cosine || WorstCosine >= cosine) && (settings.MinSqnrDb is not { } sqnr || WorstSqnrDb >= sqnr);

    /// <summary>Where the samples came from, in words, e.g. "64 held-out images of 'images/' (not used for ranges)".</summary>
    public string Describe()
    {
        var count = Samples.ToString(CultureInfo.InvariantCulture);
        return Source switch
        {
            FidelitySource.HeldOut => $"{count} held-out {Noun} of '{Location}' (not used for ranges)",
            FidelitySource.Folder => $"{count} {Noun} of '{Location}'",
            _ => $"{count} calibration {Noun} of '{Location}' — in-sample, as calibration used every {Noun.TrimEnd('s')}; " +
                 $"add {Noun} or pass --fidelity-set for a held-out measure",
        };
    }
}

/// <summary>One step of a fidelity-target search: a layer put back to float, and the output fidelity after it.</summary>
/// <param name="Layer">The layer kept in float at this step.</param>
/// <param name="OwnSqnrDb">The model output's SQNR with only this layer quantized: why it was chosen.</param>
/// <param name="Cosine">The worst output cosine of the fake-quant model with it and the earlier steps' layers in float.</param>
/// <param name="SqnrDb">The worst output SQNR (dB) after the step.</param>
public sealed record FidelityStep(string Layer, double OwnSqnrDb, double Cosine, double SqnrDb);

/// <summary>The outcome of a --min-cosine / --min-sqnr search.</summary>
/// <param name="Settings">The targets.</param>
/// <param name="Cosine">The fully quantized fake-quant model's worst output cosine.</param>
/// <param name="SqnrDb">Its worst output SQNR (dB).</param>
/// <param name="Steps">The layers kept in float, most harmful first, with the fidelity after each.</param>
/// <param name="Met">Whether the last step (or the fully quantized model) meets the targets.</param>
public sealed record FidelityBudgetResult(FidelitySettings Settings, double Cosine, double SqnrDb, IReadOnlyList<FidelityStep> Steps, bool Met)
{
    /// <summary>The layers to keep in float.</summary>
    public IReadOnlyList<string> FloatLayers => Steps.Select(s => s.Layer).ToList();

    /// <summary>The targets in words, e.g. "output cosine ≥ 0.995".</summary>
    public string Target => string.Join(" and ", new[]
    {
        Settings.MinCosine is { } c ? $"output cosine ≥ {c.ToString("0.####", CultureInfo.InvariantCulture)}" : null,
        Settings.MinSqnrDb is { } s ? $"output SQNR ≥ {s.ToString("0.##", CultureInfo.InvariantCulture)} dB" : null,
    }.OfType<string>());
}
