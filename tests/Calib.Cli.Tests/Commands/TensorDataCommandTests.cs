using System.Runtime.InteropServices;
using Calib.Graph.Ir;
using Calib.Graph.Onnx;
using Calib.Tests.Shared;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Cli.Tests.Commands;

/// <summary>AMCT's form on the command line: --data-dir "dirA;dirB" with --input-shape "name:dims;…" and --data-types, raw .bin files.</summary>
[TestClass]
public sealed class TensorDataCommandTests
{
    [TestMethod]
    public void Run_reads_one_bin_folder_per_input_as_amct_does()
    {
        var (model, x, ids) = TwoInputModelWithBinFolders();
        var output = RepoPaths.NewTempDirectory();

        var result = CliRunner.InProcess("run", "--model", model, "--data-dir", $"{x};{ids}", "--input-shape", "x:1,4;ids:1,4",
            "--data-types", "float32;int64", "--batch-num", "2", "--batch-size", "2", "--output", output);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "matmul");
        Assert.IsTrue(File.Exists(Path.Combine(output, "two_inputs_deploy.onnx")));
        StringAssert.Contains(result.Output, "from 4 samples");
        // Calibration fed all 4 samples: the label-free check measures on them and says the figures are in-sample.
        StringAssert.Contains(result.Output, "Fidelity against float on 4 calibration samples of");
        StringAssert.Contains(result.Output, "in-sample");
        Assert.IsTrue(File.Exists(Path.Combine(output, "two_inputs_fidelity.json")));
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "two_inputs_record.json")), "\"samples\": 4");
    }

    [TestMethod]
    public void Run_feeds_images_to_the_image_input_and_npz_partners_to_the_rest_and_measures_the_samples_not_fed()
    {
        var dir = RepoPaths.NewTempDirectory();
        var model = ImageVectorData.Model(dir);
        var (images, extras) = ImageVectorData.Write(dir, 12);
        var output = RepoPaths.NewTempDirectory();

        var result = CliRunner.InProcess("run", "--model", model, "--calib-set", $"{images};{extras}", "--scale", "1/255",
            "--batch-num", "2", "--batch-size", "4", "--no-speed", "--output", output);

        Assert.AreEqual(0, result.ExitCode, result.Error);
        StringAssert.Contains(result.Output, "Quantized 3 layers from 8 samples");
        StringAssert.Contains(result.Output, "chosen by output SQNR on 8 calibration samples");
        StringAssert.Contains(result.Output, $"Fidelity against float on 4 held-out samples of '{images};{extras}' (not used for ranges)");
        Assert.IsTrue(File.Exists(Path.Combine(output, "image_vector_fidelity.csv")));
    }

    [TestMethod]
    public void An_image_without_its_npz_partner_is_one_line_naming_both()
    {
        var dir = RepoPaths.NewTempDirectory();
        var model = ImageVectorData.Model(dir);
        var (images, extras) = ImageVectorData.Write(dir, 8);
        File.Delete(Path.Combine(extras, "0005.npz"));
        var output = RepoPaths.NewTempDirectory();

        var result = CliRunner.InProcess("run", "--model", model, "--calib-set", $"{images};{extras}", "--batch-num", "2", "--batch-size", "4", "--output", output);

        Assert.AreEqual(CalibApp.UserError, result.ExitCode);
        var lines = result.Error.Trim().Split('\n');
        Assert.AreEqual(1, lines.Length, result.Error);
        StringAssert.Contains(lines[0], $"'{Path.Combine(images, "0005.bmp")}' has no .npz partner");
        StringAssert.Contains(lines[0], Path.Combine(extras, "0005.npz"));
        Assert.AreEqual(0, Directory.GetFiles(output).Length);
    }

    [TestMethod]
    public void A_wrong_data_type_or_shape_is_one_line_naming_the_input()
    {
        var (model, x, ids) = TwoInputModelWithBinFolders();
        var cases = new (string Shapes, string Types, string Expected)[]
        {
            ("x:1,4;ids:1,4", "float32;int32", "--data-types gives int32 for input 'ids' (int64 [batch,4])"),
            ("x:1,4;ids:1,5", "float32;int64", "holds 32 bytes, but input 'ids'"),
            ("x:1,4;tokens:1,4", "float32;int64", "names input 'tokens', which the model does not have"),
            ("x=1,4", "float32;int64", "is not a shape"),
        };
        foreach (var (shapes, types, expected) in cases)
        {
            var output = RepoPaths.NewTempDirectory();
            var result = CliRunner.InProcess("run", "--model", model, "--data-dir", $"{x};{ids}", "--input-shape", shapes,
                "--data-types", types, "--batch-num", "2", "--batch-size", "2", "--output", output);

            Assert.AreEqual(CalibApp.UserError, result.ExitCode, shapes);
            var lines = result.Error.Trim().Split('\n');
            Assert.AreEqual(1, lines.Length, result.Error);
            StringAssert.StartsWith(lines[0], "calib: error: ");
            StringAssert.Contains(lines[0], expected, shapes);
            Assert.AreEqual(0, Directory.GetFiles(output).Length);
        }
    }

    // y = MatMul(x + float(ids), W); 4 samples in x/NN.bin (float32 [1,4]) and ids/NN.bin (int64 [1,4]).
    private static (string Model, string X, string Ids) TwoInputModelWithBinFolders()
    {
        var dir = RepoPaths.NewTempDirectory();
        var graph = new ModelGraph("two_inputs");
        graph.Inputs.Add(ValueInfos.Tensor("x", DataType.Float, "batch", 4));
        graph.Inputs.Add(ValueInfos.Tensor("ids", DataType.Int64, "batch", 4));
        graph.AddInitializer("w", TensorData.FromFloats([4, 2], [1, 0.5f, -1, 0.25f, 0.5f, 2, -0.5f, 1]));
        graph.AddNode("Cast", "cast", ["ids"], ["ids_f"]).Attributes.Set("to", (long)DataType.Float);
        graph.AddNode("Add", "add", ["x", "ids_f"], ["sum"]);
        graph.AddNode("MatMul", "matmul", ["sum", "w"], ["y"]);
        graph.Outputs.Add(ValueInfos.Tensor("y", DataType.Float, "batch", 2));
        var model = Path.Combine(dir, "two_inputs.onnx");
        OnnxModelFile.Save(new OnnxModel(graph, 13), model);
        var x = Directory.CreateDirectory(Path.Combine(dir, "x")).FullName;
        var ids = Directory.CreateDirectory(Path.Combine(dir, "ids")).FullName;
        for (var i = 0; i < 4; i++)
        {
            float[] xs = [i, -i, 0.5f * i, 1];
            long[] idss = [i, 1, 0, 2];
            File.WriteAllBytes(Path.Combine(x, $"{i:D2}.bin"), MemoryMarshal.AsBytes(xs.AsSpan()).ToArray());
            File.WriteAllBytes(Path.Combine(ids, $"{i:D2}.bin"), MemoryMarshal.AsBytes(idss.AsSpan()).ToArray());
        }
        return (model, x, ids);
    }
}
