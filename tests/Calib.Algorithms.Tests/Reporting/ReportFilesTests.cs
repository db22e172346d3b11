using System.Text.Json;
using Calib.Algorithms.Data;
using Calib.Algorithms.Evaluation;
using Calib.Algorithms.Quantization;
using Calib.Algorithms.Reporting;
using Calib.Algorithms.Statistics;
using Calib.Graph;
using Calib.Graph.IO;
using Calib.Tests.Shared;
using SkiaSharp;

namespace Calib.Algorithms.Tests.Reporting;

[TestClass]
public sealed class ReportFilesTests
{
    private static EvaluationReport Report()
    {
        var histogram = new StreamingHistogram();
        var random = new Random(5);
        histogram.Add(Enumerable.Range(0, 20_000).Select(_ => (float)Math.Max(0, random.NextDouble() * 6 - 1)).ToArray());
        var layers = new List<LayerReport>
        {
            new("/conv1/Conv", "Conv", "input", "c1", new TensorError(0.999, 31.5, 0.02), new TensorError(0.999, 31.5, 0.02), 38.2, null, null,
                new ClipRange(-0.8, 2.0), ClipSource.Record) { ErrorRank = 2, SensitivityRank = 2 },
            new("/fc/Gemm", "Gemm", "f", "logits", new TensorError(0.9, 8.25, 1.5), new TensorError(0.85, 6.0, 2.5), 9.0, 70.0, 5.0,
                new ClipRange(0, 4.5), ClipSource.Graph) { ErrorRank = 1, SensitivityRank = 1 },
            new("/pool/AveragePool", "AveragePool", "p", "q", null, null, double.PositiveInfinity, null, null, null, null) { ErrorRank = 3, SensitivityRank = 3 },
        };
        var predictions = new[] { 1, 2, 3, 4 };
        return new EvaluationReport(
            new ModelScore("float.onnx", 3, 4, predictions, TimeSpan.FromSeconds(1)),
            new ModelScore("q.onnx", 2, 4, [1, 2, 3, 0], TimeSpan.FromSeconds(1)),
            [], layers,
            new Dictionary<string, StreamingHistogram> { ["/conv1/Conv"] = histogram, ["/fc/Gemm"] = histogram, ["/pool/AveragePool"] = histogram },
            64, SensitivityMeasure.Sqnr, "eval", LabelSource.ClassFolders);
    }

    [TestMethod]
    public void The_csv_has_the_documented_columns_and_one_row_per_layer()
    {
        var lines = AccuracyCsv.Write(Report()).TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

        Assert.AreEqual(
            "layer,op_type,input,output,sqnr_db,cosine,max_abs_error,cumulative_sqnr_db,cumulative_cosine,cumulative_max_abs_error," +
            "output_sqnr_db,top1_only_this_layer,top1_drop,error_rank,sensitivity_rank,clip_min,clip_max,clip_source", lines[0]);
        Assert.HasCount(4, lines);
        Assert.AreEqual("/fc/Gemm,Gemm,f,logits,8.25,0.9,1.5,6,0.85,2.5,9,70,5,1,1,0,4.5,graph", lines[2]);
        StringAssert.StartsWith(lines[3], "/pool/AveragePool,AveragePool,p,q,,,,,,,");
        var documented = File.ReadAllText(RepoPaths.InRepo("docs", "REPORT.md"));
        foreach (var column in lines[0].Split(','))
            Assert.IsTrue(documented.Contains($"| `{column}` |"), $"docs/REPORT.md documents {column}");
    }

    [TestMethod]
    public void The_json_summary_holds_the_model_figures()
    {
        using var json = JsonDocument.Parse(AccuracySummary.Write(Report()));
        var root = json.RootElement;

        Assert.AreEqual(75.0, root.GetProperty("float").GetProperty("top1").GetDouble());
        Assert.AreEqual(50.0, root.GetProperty("quantized").GetProperty("top1").GetDouble());
        Assert.AreEqual(-25.0, root.GetProperty("quantized").GetProperty("top1_difference").GetDouble());
        Assert.AreEqual(75.0, root.GetProperty("quantized").GetProperty("agreement").GetDouble());
        Assert.AreEqual("/fc/Gemm", root.GetProperty("layers_by_error")[0].GetString());
        Assert.AreEqual("class_folders", root.GetProperty("label_source").GetString());
    }

    [TestMethod]
    public void Plots_are_deterministic_pngs_with_text_and_content()
    {
        var directory = RepoPaths.NewTempDirectory();
        var files = new OutputFileSet(directory);
        ReportFiles.AddPlots(files, "m_", Report(), ["/conv1/Conv", "/pool/AveragePool"]);
        files.Commit();

        var names = Directory.GetFiles(directory).Select(Path.GetFileName).Order().ToArray();
        CollectionAssert.AreEqual(new[] { "m_histogram_conv1_Conv.png", "m_histogram_pool_AveragePool.png", "m_layer_sqnr.png" }, names);
        AssertPlot(Path.Combine(directory, "m_layer_sqnr.png"), 1000, 600);
        AssertPlot(Path.Combine(directory, "m_histogram_conv1_Conv.png"), 900, 500);
        var again = new OutputFileSet(RepoPaths.NewTempDirectory());
        ReportFiles.AddPlots(again, "m_", Report(), ["/conv1/Conv", "/pool/AveragePool"]);
        again.Commit();
        foreach (var name in names)
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(directory, name!)), File.ReadAllBytes(Path.Combine(again.Directory, name!)), name);
    }

    [TestMethod]
    public void Without_plot_layers_the_worst_layer_is_plotted_and_an_unknown_one_is_named()
    {
        var files = new OutputFileSet(RepoPaths.NewTempDirectory());
        ReportFiles.AddPlots(files, "", Report(), []);
        CollectionAssert.AreEqual(new[] { "layer_sqnr.png", "histogram_fc_Gemm.png" }, files.Paths.Select(Path.GetFileName).ToArray());

        var error = Assert.ThrowsExactly<CalibException>(() => ReportFiles.AddPlots(new OutputFileSet("."), "", Report(), ["/conv9/Conv"]));
        StringAssert.Contains(error.Message, "--plot-layer '/conv9/Conv' is not a quantized layer");
        StringAssert.Contains(error.Message, "'/fc/Gemm'");
    }

    private static void AssertPlot(string path, int width, int height)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.IsNotNull(bitmap, $"{path} decodes as an image");
        Assert.AreEqual(width, bitmap.Width);
        Assert.AreEqual(height, bitmap.Height);
        var pixels = bitmap.Pixels;
        Assert.IsTrue(pixels.Distinct().Count() > 10, "the plot has content");
        // The title is drawn in the top band: with a font-less Skia it would stay background.
        var title = Enumerable.Range(0, 30 * width).Select(i => pixels[i]).ToList();
        Assert.IsTrue(title.Count(p => p.Red < 100 && p.Green < 100 && p.Blue < 100) > 50, "the title text is rendered");
    }
}
