using System.IO.Compression;
using System.Text;
using Calib.Graph.Onnx.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;

namespace Calib.Cli.Tests.Hardening;

/// <summary>
/// The bad and hostile inputs of issue 15 (bounds, exit codes and messages, conflicts): each ends in
/// exit 1 with one "calib: error:" line that names the file or flag, and writes nothing — or, where
/// stated, is accepted.
/// </summary>
[TestClass]
public sealed class HostileInputTests
{
    private static readonly string SampleModel = RepoPaths.InRepo("models", "fmnist_resnet", "fmnist_resnet.onnx");
    private static readonly string Images = RepoPaths.InRepo("calibration-data", "fmnist");

    [TestMethod]
    [DataRow("1e-7")]
    [DataRow("1e-300")]
    public void A_tiny_search_step_is_refused_before_calibrating(string step)
    {
        var folder = RepoPaths.NewTempDirectory();
        var cfg = Write(folder, "amct.cfg", $"common_config {{\n  ifmr_quantize {{ search_step: {step} }}\n}}\n");

        var (result, output) = Run(folder, "--config", cfg);

        UserErrors.AssertOne(result, cfg, "candidate factors per bound; calib allows at most 200");
        Assert.IsFalse(Directory.Exists(output), "nothing is written");
    }

    [TestMethod]
    public void An_image_header_claiming_ten_billion_pixels_is_refused_or_skipped()
    {
        var folder = RepoPaths.NewTempDirectory();
        var set = CopyImages(folder, 8);
        var bomb = Path.Combine(set, "0000-bomb.png");
        File.WriteAllBytes(bomb, PngHeader(100_000, 100_000));

        var (refused, output) = RunOn(folder, set);
        UserErrors.AssertOne(refused, bomb, "100000x100000 = 10,000,000,000 pixels; calib decodes at most 100,000,000");
        Assert.IsFalse(Directory.Exists(output));

        var (skipped, _) = RunOn(folder, set, "--skip-bad-images");
        Assert.AreEqual(CalibApp.Success, skipped.ExitCode, skipped.Error);
        StringAssert.Contains(skipped.Error, $"Skipped '{bomb}'");
    }

    [TestMethod]
    public void A_fifo_named_like_an_image_is_refused_without_waiting_for_a_writer()
    {
        var folder = RepoPaths.NewTempDirectory();
        var set = CopyImages(folder, 8);
        var fifo = Path.Combine(set, "0000-x.png");
        MakeFifo(fifo);

        var run = Task.Run(() => RunOn(folder, set));
        Assert.IsTrue(run.Wait(TimeSpan.FromSeconds(60)), "the run hangs on the FIFO");

        UserErrors.AssertOne(run.Result.Result, fifo, "not a regular file (a FIFO, socket or device)");
    }

    [TestMethod]
    public void A_dangling_link_is_named_as_such()
    {
        var folder = RepoPaths.NewTempDirectory();
        var set = CopyImages(folder, 8);
        var link = Path.Combine(set, "0000-gone.png");
        File.CreateSymbolicLink(link, Path.Combine(folder, "deleted.png"));

        var (result, _) = RunOn(folder, set);

        UserErrors.AssertOne(result, link, "is a symbolic link to");
        StringAssert.Contains(result.Error, "which does not exist");
    }

    [TestMethod]
    public void A_model_that_is_a_dangling_link_is_named_as_such()
    {
        var link = Path.Combine(RepoPaths.NewTempDirectory(), "net.onnx");
        File.CreateSymbolicLink(link, "/nowhere/net.onnx");

        UserErrors.AssertOne(CliRunner.InProcess("inspect", "--model", link), link, "is a symbolic link to '/nowhere/net.onnx', which does not exist");
    }

    [TestMethod]
    public void An_empty_output_folder_is_a_usage_error()
    {
        var result = CliRunner.InProcess("run", "--model", SampleModel, "--calib-set", Images, "--batch-num", "1", "--output", "");
        UserErrors.AssertOne(result, "--output ''", "is empty");
    }

    [TestMethod]
    public void Convert_refuses_a_folder_as_its_output_file_or_a_parent_that_is_a_file()
    {
        var (prototxt, caffemodel) = WriteCaffeNet(FuzzSeeds.Prototxt);
        var folder = RepoPaths.NewTempDirectory();

        var intoFolder = CliRunner.InProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", folder);
        UserErrors.AssertOne(intoFolder, folder, "is a folder: give the file to write");

        var file = Write(folder, "notes.txt", "x");
        var underFile = CliRunner.InProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", Path.Combine(file, "net.onnx"));
        UserErrors.AssertOne(underFile, file, "is a file, not a folder");
    }

    [TestMethod]
    public void A_caffe_layer_without_a_top_is_named()
    {
        var (prototxt, caffemodel) = WriteCaffeNet(FuzzSeeds.Prototxt.Replace("""bottom: "ip1" top: "prob" """, """bottom: "ip1" """));
        var output = Path.Combine(RepoPaths.NewTempDirectory(), "net.onnx");

        var result = CliRunner.InProcess("convert", "--model", prototxt, "--weights", caffemodel, "-o", output);

        UserErrors.AssertOne(result, "Layer 'prob' (Softmax)", "needs top 1 but the prototxt gives it none");
        Assert.IsFalse(File.Exists(output));
    }

    [TestMethod]
    [DataRow(new[] { "--batch-num", "eight" }, "--batch-num expects a whole number; got 'eight'")]
    [DataRow(new[] { "--batch-num" }, "--batch-num expects a whole number after it")]
    [DataRow(new[] { "--batch-num", "1", "--no-such-flag" }, "'--no-such-flag' is not an option or argument of 'calib run'")]
    public void Argument_errors_are_one_line_with_a_help_hint(string[] extra, string message)
    {
        var result = CliRunner.InProcess(["run", "--model", SampleModel, "--calib-set", Images, .. extra]);

        UserErrors.AssertOne(result, message, "Run 'calib run --help' for its options.");
        Assert.IsFalse(result.Error.Contains("System.", StringComparison.Ordinal), result.Error);
        Assert.IsFalse(result.Error.Contains("Usage:", StringComparison.Ordinal), "the whole help is not printed");
    }

    [TestMethod]
    public void A_missing_required_option_and_a_missing_command_are_one_line()
    {
        UserErrors.AssertOne(CliRunner.InProcess("run", "--model", SampleModel), "--calib-set", "Run 'calib run --help'");
        UserErrors.AssertOne(CliRunner.InProcess("retrain"), "'calib retrain' needs a command: export, import", "--help");
    }

    [TestMethod]
    public void Two_activation_algorithms_in_one_cfg_block_name_the_line()
    {
        var folder = RepoPaths.NewTempDirectory();
        var cfg = Write(folder, "amct.cfg", "common_config {\n  ifmr_quantize { search_step: 0.01 }\n  hfmg_quantize { num_of_bins: 1024 }\n}\n");

        var (result, output) = Run(folder, "--config", cfg);

        UserErrors.AssertOne(result, $"{cfg}:3:3", "'hfmg_quantize' and 'ifmr_quantize' (line 2) are alternatives");
        Assert.IsFalse(Directory.Exists(output));
    }

    [TestMethod]
    public void Duplicate_json_keys_name_the_line_and_column()
    {
        var folder = RepoPaths.NewTempDirectory();
        var json = Write(folder, "quant.json", "{\n  \"batch_num\": 2,\n  \"batch_num\": 3\n}\n");

        var (result, _) = Run(folder, "--config", json);

        UserErrors.AssertOne(result, $"{json}:3:3", "key 'batch_num' is given twice");
    }

    [TestMethod]
    public void A_scale_of_zero_is_refused()
    {
        var (result, output) = Run(RepoPaths.NewTempDirectory(), "--scale", "0");
        UserErrors.AssertOne(result, "--scale 0", "makes every pixel 0");
        Assert.IsFalse(Directory.Exists(output));
    }

    [TestMethod]
    public void A_cfg_starting_with_a_byte_order_mark_is_read()
    {
        var folder = RepoPaths.NewTempDirectory();
        var cfg = Path.Combine(folder, "amct.cfg");
        File.WriteAllText(cfg, "common_config {\n  ifmr_quantize { search_step: 0.02 }\n}\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var (result, output) = Run(folder, "--config", cfg);

        Assert.AreEqual(CalibApp.Success, result.ExitCode, result.Error);
        Assert.IsTrue(File.Exists(Path.Combine(output, "fmnist_resnet_deploy.onnx")));
    }

    [TestMethod]
    public void An_onnx_runtime_failure_names_the_model_file_and_a_fix()
    {
        // The sample with its first Conv made an operator ONNX Runtime does not know.
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(SampleModel));
        model.Graph.Node.First(n => n.OpType == "Relu").OpType = "NoSuchOp";
        var path = Path.Combine(RepoPaths.NewTempDirectory(), "broken.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        var result = CliRunner.InProcess("run", "--model", path, "--calib-set", Images, "--batch-num", "1", "--batch-size", "8",
            "--output", Path.Combine(Path.GetDirectoryName(path)!, "out"));

        UserErrors.AssertOne(result, $"model '{path}' (graph '{model.Graph.Name}')", "ONNX Runtime");
        StringAssert.Contains(result.Error, "onnx.checker");
    }

    private static (CliRunner.Outcome Result, string Output) Run(string folder, params string[] extra) => RunOn(folder, Images, extra);

    private static (CliRunner.Outcome Result, string Output) RunOn(string folder, string calibSet, params string[] extra)
    {
        var output = Path.Combine(folder, "out");
        string[] args = ["run", "--model", SampleModel, "--calib-set", calibSet, "--batch-num", "1", "--batch-size", "8",
            "--mean", "0.2860", "--std", "0.3530", "--output", output];
        return (CliRunner.InProcess([.. args, .. extra]), output);
    }

    private static string Write(string folder, string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string CopyImages(string folder, int count)
    {
        var set = Path.Combine(folder, "set");
        Directory.CreateDirectory(set);
        foreach (var image in Directory.EnumerateFiles(Images, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(count))
            File.Copy(image, Path.Combine(set, Path.GetFileName(image)));
        return set;
    }

    private static (string Prototxt, string Caffemodel) WriteCaffeNet(string prototxt)
    {
        var folder = RepoPaths.NewTempDirectory();
        var paths = (Path.Combine(folder, "net.prototxt"), Path.Combine(folder, "net.caffemodel"));
        File.WriteAllText(paths.Item1, prototxt);
        File.WriteAllBytes(paths.Item2, FuzzSeeds.Caffemodel());
        return paths;
    }

    // A valid PNG signature, header and a tiny compressed row: small on disk, enormous when decoded.
    private static byte[] PngHeader(int width, int height)
    {
        static byte[] Chunk(string type, byte[] data)
        {
            var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            return [.. BigEndian(data.Length), .. typed, .. BigEndian((int)Crc32(typed))];
        }
        static byte[] BigEndian(int value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest)) zlib.Write(new byte[10]);
        return [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A,
            .. Chunk("IHDR", [.. BigEndian(width), .. BigEndian(height), 8, 0, 0, 0, 0]),
            .. Chunk("IDAT", compressed.ToArray()),
            .. Chunk("IEND", [])];
    }

    // PNG's chunk checksum (CRC-32, polynomial 0xEDB88320).
    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    private static void MakeFifo(string path)
    {
        using var process = System.Diagnostics.Process.Start("mkfifo", [path]);
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, "mkfifo failed");
    }
}
