using Calib.Graph.Caffe;
using Calib.Graph.Caffe.Proto;
using Calib.Tests.Shared;
using Google.Protobuf;
using static Calib.Graph.Tests.Caffe.CaffeTestNets;

namespace Calib.Graph.Tests.Caffe;

/// <summary>
/// The import around the layers: names (in-place layers in SSA form, outputs keeping blob names),
/// inputs (input fields, Input layers, data layers of train/test nets), TEST-phase rules, the
/// legacy V1 format, weights bound by name, and the errors a user gets.
/// </summary>
[TestClass]
public sealed class CaffeImportTests
{
    private static readonly long[] Shape = [1, 2, 6, 6];

    private static LayerParameter Convolution(string name, string bottom, string top, int outputs = 3, int channels = 2)
    {
        var layer = Layer(name, "Convolution", [bottom], [top], Blob([outputs, channels, 3, 3], Values(outputs * channels * 9, name.Length)), Blob([outputs], Values(outputs, 2)));
        layer.ConvolutionParam = new ConvolutionParameter { NumOutput = (uint)outputs };
        layer.ConvolutionParam.KernelSize.Add(3);
        return layer;
    }

    [TestMethod]
    public void In_place_layers_get_one_tensor_per_write_and_the_last_keeps_the_blob_name()
    {
        var import = Import(Net(Shape, Convolution("conv1", "data", "conv1"), Layer("relu1", "ReLU", ["conv1"], ["conv1"])));

        CollectionAssert.AreEqual(new[] { "conv1/conv1" }, import.LayerOutputs["conv1"].ToArray());
        CollectionAssert.AreEqual(new[] { "conv1" }, import.LayerOutputs["relu1"].ToArray());
        CollectionAssert.AreEqual(new[] { "conv1", "relu1" }, import.Model.Graph.Nodes.Select(n => n.Name).ToArray());
        Assert.AreEqual("data", import.Model.Graph.Inputs.Single().Name);
        Assert.AreEqual("conv1", import.Model.Graph.Outputs.Single().Name);
    }

    [TestMethod]
    public void The_batch_of_the_input_is_free()
    {
        var import = Import(Net(Shape, Convolution("conv1", "data", "conv1")));
        var dims = import.Model.Graph.Inputs.Single().Type.TensorType.Shape.Dim;
        Assert.AreEqual(CaffeImporter.BatchDimension, dims[0].DimParam);
        var (_, shape) = Run(import, Values(4 * 72, 3), [4, 2, 6, 6], "conv1")["conv1"];
        CollectionAssert.AreEqual(new long[] { 4, 3, 4, 4 }, shape);
    }

    [TestMethod]
    public void Outputs_are_the_blobs_no_layer_reads_and_Dropout_and_Split_add_no_node()
    {
        var net = Net(Shape,
            Convolution("conv1", "data", "conv1"),
            Layer("split", "Split", ["conv1"], ["s1", "s2"]),
            Layer("relu", "ReLU", ["s1"], ["r"]),
            Layer("drop", "Dropout", ["s2"], ["d"]));
        var import = Import(net);

        CollectionAssert.AreEqual(new[] { "r", "d" }, import.Model.Graph.Outputs.Select(o => o.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "conv1", "relu", "drop" }, import.Model.Graph.Nodes.Select(n => n.Name).ToArray());
        Assert.AreEqual("Identity", import.Model.Graph.Nodes.Single(n => n.Name == "drop").OpType, "the unread Dropout top is an output of its own");
        CollectionAssert.AreEqual(new[] { "conv1", "conv1" }, import.LayerOutputs["split"].ToArray());
        var results = Run(import, Values(72, 4), Shape, "d", "conv1");
        CollectionAssert.AreEqual(results["conv1"].Values, results["d"].Values);
    }

    [TestMethod]
    public void Input_layers_and_input_fields_declare_inputs()
    {
        var input = Layer("input", "Input", [], ["image"]);
        input.InputParam = new InputParameter();
        input.InputParam.Shape.Add(new BlobShape { Dim = { 1, 2, 6, 6 } });
        var net = new NetParameter { Name = "n", Layer = { input, Convolution("conv1", "image", "conv1") } };
        var import = Import(net);
        Assert.AreEqual("image", import.Inputs.Single().Blob);
        Assert.AreEqual("Input layer 'input'", import.Inputs.Single().DeclaredBy);
        Assert.IsNull(import.Preprocessing);
    }

    [TestMethod]
    public void A_train_test_net_takes_its_input_and_preprocessing_from_the_TEST_data_layer()
    {
        var train = DataLayer(Phase.Train, scale: 1f);
        var test = DataLayer(Phase.Test, scale: 0.5f);
        var accuracy = Layer("accuracy", "Accuracy", ["conv1", "label"], ["accuracy"]);
        accuracy.Include.Add(new NetStateRule { Phase = Phase.Test });
        var loss = Layer("loss", "SoftmaxWithLoss", ["conv1", "label"], ["loss"]);
        var trainOnly = Layer("train_relu", "ReLU", ["conv1"], ["conv1"]);
        trainOnly.Exclude.Add(new NetStateRule { Phase = Phase.Test });
        var staged = Layer("staged_relu", "ReLU", ["conv1"], ["conv1"]);
        staged.Include.Add(new NetStateRule { Stage = { "deploy" } });
        var leveled = Layer("leveled_relu", "ReLU", ["conv1"], ["conv1"]);
        leveled.Include.Add(new NetStateRule { MinLevel = 1 });
        var net = new NetParameter { Name = "train_test", Layer = { train, test, Convolution("conv1", "data", "conv1"), trainOnly, staged, leveled, accuracy, loss } };
        var import = Import(net);

        var input = import.Inputs.Single();
        Assert.AreEqual("data", input.Blob);
        CollectionAssert.AreEqual(new long[] { 10, 2, 6, 6 }, input.Shape, "batch_size, channels of conv1's weights, crop_size");
        Assert.AreEqual("conv1", import.Model.Graph.Nodes.Single().Name, "TRAIN-only, staged, higher-level, accuracy and loss layers are dropped");
        Assert.AreEqual("conv1", import.Model.Graph.Outputs.Single().Name);
        var preprocessing = import.Preprocessing!;
        Assert.AreEqual("test_data", preprocessing.Layer);
        Assert.AreEqual(0.5f, preprocessing.Scale);
        CollectionAssert.AreEqual(new[] { 104f, 117f }, preprocessing.ChannelMeans);
        CollectionAssert.AreEqual(new[] { 6, 6 }, preprocessing.Crop);
        var stored = CaffePreprocessing.FromJson(import.Model.GetMetadata(CaffePreprocessing.MetadataKey)!);
        Assert.AreEqual(0.5f, stored.Scale);
        CollectionAssert.AreEqual(new[] { 104f, 117f }, stored.ChannelMeans);
    }

    [TestMethod]
    public void A_mean_file_is_read_and_its_channel_means_kept()
    {
        var test = DataLayer(Phase.Test, scale: 1f);
        test.TransformParam.MeanValue.Clear();
        test.TransformParam.MeanFile = "/elsewhere/mean.binaryproto";
        var (prototxt, caffemodel) = Write(new NetParameter { Layer = { test, Convolution("conv1", "data", "conv1") } });
        var mean = new BlobProto { Num = 1, Channels = 2, Height = 1, Width = 2, Data = { 1f, 3f, 10f, 20f } };
        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(prototxt)!, "mean.binaryproto"), mean.ToByteArray());

        var preprocessing = CaffeImporter.Import(prototxt, caffemodel).Preprocessing!;
        CollectionAssert.AreEqual(new[] { 2f, 15f }, preprocessing.ChannelMeans, "found beside the prototxt by file name");
        CollectionAssert.AreEqual(new long[] { 1, 2, 1, 2 }, preprocessing.MeanImageShape);
    }

    [TestMethod]
    public void A_data_layer_of_unknown_size_needs_an_input_shape()
    {
        var test = DataLayer(Phase.Test, scale: 1f);
        test.TransformParam.ClearCropSize();
        var net = new NetParameter { Layer = { test, Convolution("conv1", "data", "conv1") } };
        var e = Assert.ThrowsExactly<CalibException>(() => Import(net));
        StringAssert.Contains(e.Message, "--input-shape");
        StringAssert.Contains(e.Message, "'data'");

        var import = Import(net, new CaffeImportOptions { InputShape = [3, 2, 8, 8] });
        CollectionAssert.AreEqual(new long[] { 3, 2, 8, 8 }, import.Inputs.Single().Shape);
    }

    [TestMethod]
    public void ImageData_takes_its_size_from_new_height_and_width_and_its_channels_from_is_color()
    {
        var images = Layer("images", "ImageData", [], ["data", "label"]);
        images.ImageDataParam = new ImageDataParameter { Source = "list.txt", BatchSize = 3, NewHeight = 6, NewWidth = 6, IsColor = false };
        var import = Import(new NetParameter { Layer = { images, Convolution("conv1", "data", "conv1", channels: 1) } });
        CollectionAssert.AreEqual(new long[] { 3, 1, 6, 6 }, import.Inputs.Single().Shape);
        CollectionAssert.AreEqual(new[] { 6, 6 }, import.Preprocessing!.Resize);
    }

    [TestMethod]
    public void Double_precision_blobs_are_read()
    {
        var net = Net(Shape, Convolution("conv1", "data", "conv1"));
        var input = Values(72, 14);
        var expected = RunNet(net, input, "conv1").Values;
        foreach (var blob in net.Layer[0].Blobs)
        {
            blob.DoubleData.AddRange(blob.Data.Select(v => (double)v));
            blob.Data.Clear();
        }
        CollectionAssert.AreEqual(expected, RunNet(net, input, "conv1").Values);
    }

    [TestMethod]
    public void A_layer_reading_the_label_is_an_error()
    {
        var net = new NetParameter { Layer = { DataLayer(Phase.Test, 1f), Convolution("conv1", "data", "conv1"), Layer("join", "Concat", ["conv1", "label"], ["joined"]) } };
        var e = Assert.ThrowsExactly<CalibException>(() => Import(net));
        StringAssert.Contains(e.Message, "layer 'join'");
        StringAssert.Contains(e.Message, "'label'");
    }

    [TestMethod]
    public void MemoryData_declares_its_shape()
    {
        var memory = Layer("memory", "MemoryData", [], ["data", "label"]);
        memory.MemoryDataParam = new MemoryDataParameter { BatchSize = 5, Channels = 2, Height = 6, Width = 6 };
        var import = Import(new NetParameter { Layer = { memory, Convolution("conv1", "data", "conv1") } });
        CollectionAssert.AreEqual(new long[] { 5, 2, 6, 6 }, import.Inputs.Single().Shape);
    }

    [TestMethod]
    public void A_legacy_V1_net_with_legacy_blobs_converts_like_the_current_form()
    {
        var current = Net(Shape, Convolution("conv1", "data", "conv1"), InnerProduct("ip", "conv1", "ip", 48));
        var legacy = new NetParameter { Name = "legacy", Input = { "data" }, InputDim = { 1, 2, 6, 6 } };
        foreach (var layer in current.Layer)
        {
            var v1 = new V1LayerParameter
            {
                Name = layer.Name,
                Type = layer.Type == "Convolution" ? V1LayerParameter.Types.LayerType.Convolution : V1LayerParameter.Types.LayerType.InnerProduct,
                Bottom = { layer.Bottom },
                Top = { layer.Top },
                ConvolutionParam = layer.ConvolutionParam,
                InnerProductParam = layer.InnerProductParam,
            };
            // Legacy blobs are 4-D num/channels/height/width; InnerProduct's are 1×1×N×K and 1×1×1×N.
            foreach (var blob in layer.Blobs)
            {
                var dims = new long[4 - blob.Shape.Dim.Count].Select(_ => 1L).Concat(blob.Shape.Dim).ToArray();
                v1.Blobs.Add(new BlobProto { Num = (int)dims[0], Channels = (int)dims[1], Height = (int)dims[2], Width = (int)dims[3], Data = { blob.Data } });
            }
            legacy.Layers.Add(v1);
        }
        var input = Values(72, 12);
        var expected = RunNet(current, input, "ip").Values;
        var actual = Run(Import(legacy), input, Shape, "ip")["ip"].Values;
        CollectionAssert.AreEqual(expected, actual);
    }

    [TestMethod]
    public void Trained_blobs_are_bound_by_layer_name()
    {
        // The caffemodel lists its layers in another order and has one the prototxt lacks.
        var net = Net(Shape, Convolution("conv1", "data", "conv1"), Convolution("conv2", "conv1", "conv2", outputs: 2, channels: 3));
        var (prototxt, _) = Write(net);
        var trained = new NetParameter { Layer = { net.Layer[1], Convolution("unused", "x", "y"), net.Layer[0] } };
        var caffemodel = Path.Combine(RepoPaths.NewTempDirectory(), "shuffled.caffemodel");
        File.WriteAllBytes(caffemodel, trained.ToByteArray());
        var input = Values(72, 13);
        CollectionAssert.AreEqual(RunNet(net, input, "conv2").Values, Run(CaffeImporter.Import(prototxt, caffemodel), input, Shape, "conv2")["conv2"].Values);
    }

    [TestMethod]
    public void A_layer_without_its_blobs_names_the_layer()
    {
        var net = Net(Shape, Convolution("conv1", "data", "conv1"));
        net.Layer[0].Blobs.Clear();
        var e = Assert.ThrowsExactly<CalibException>(() => Import(net));
        StringAssert.StartsWith(e.Message, "Layer 'conv1' (Convolution): the caffemodel");
        StringAssert.Contains(e.Message, "holds no blobs for this layer");
    }

    [TestMethod]
    public void A_blob_of_the_wrong_shape_names_the_layer_and_both_shapes()
    {
        var net = Net(Shape, Convolution("conv1", "data", "conv1"));
        net.Layer[0].Blobs[0] = Blob([3, 2, 5, 5], Values(150, 1));
        var e = Assert.ThrowsExactly<CalibException>(() => Import(net));
        StringAssert.Contains(e.Message, "Layer 'conv1'");
        StringAssert.Contains(e.Message, "[3,2,5,5]");
        StringAssert.Contains(e.Message, "[3,2,3,3]");
    }

    [TestMethod]
    public void An_unsupported_layer_type_names_the_layer_and_the_type()
    {
        var e = Assert.ThrowsExactly<CalibException>(() => Import(Net(Shape, Layer("roi", "ROIPooling", ["data"], ["roi"]))));
        StringAssert.Contains(e.Message, "layer 'roi' has type 'ROIPooling'");
        StringAssert.Contains(e.Message, "Supported types: AbsVal,");
    }

    [TestMethod]
    public void A_prototxt_syntax_error_names_file_line_and_column()
    {
        var (prototxt, caffemodel) = Write(Net(Shape, Convolution("conv1", "data", "conv1")));
        File.WriteAllText(prototxt, "name: \"x\"\ninput: \"data\"\nlayer {\n  name: \"conv1\"\n  type: Convolution\"\n}\n");
        var e = Assert.ThrowsExactly<CalibException>(() => CaffeImporter.Import(prototxt, caffemodel));
        StringAssert.StartsWith(e.Message, $"{prototxt}:5:");
    }

    [TestMethod]
    public void Unknown_prototxt_fields_are_skipped_with_a_warning()
    {
        var (prototxt, caffemodel) = Write(Net(Shape, Convolution("conv1", "data", "conv1")));
        File.WriteAllText(prototxt, File.ReadAllText(prototxt).Replace("name: \"conv1\"", "name: \"conv1\"\n  fork_specific_param { speed: 3 }"));
        var warnings = new List<string>();
        var import = CaffeImporter.Import(prototxt, caffemodel, new CaffeImportOptions { Warn = warnings.Add });
        StringAssert.Contains(warnings.Single(), "fork_specific_param");
        CollectionAssert.AreEqual(warnings, import.Warnings.ToList());
    }

    [TestMethod]
    public void A_corrupt_caffemodel_is_named()
    {
        var (prototxt, caffemodel) = Write(Net(Shape, Convolution("conv1", "data", "conv1")));
        var bytes = File.ReadAllBytes(caffemodel);
        File.WriteAllBytes(caffemodel, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<CalibException>(() => CaffeImporter.Import(prototxt, caffemodel));
        StringAssert.Contains(e.Message, caffemodel);
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void Layer_names_must_be_unique()
    {
        var e = Assert.ThrowsExactly<CalibException>(() => Import(Net(Shape, Convolution("conv", "data", "a"), Convolution("conv", "data", "b"))));
        StringAssert.Contains(e.Message, "named 'conv'");
    }

    private static LayerParameter DataLayer(Phase phase, float scale)
    {
        var layer = Layer(phase == Phase.Test ? "test_data" : "train_data", "Data", [], ["data", "label"]);
        layer.Include.Add(new NetStateRule { Phase = phase });
        layer.DataParam = new DataParameter { Source = "examples/imagenet/val_lmdb", BatchSize = 10 };
        layer.TransformParam = new TransformationParameter { Scale = scale, CropSize = 6, MeanValue = { 104f, 117f } };
        return layer;
    }

    private static LayerParameter InnerProduct(string name, string bottom, string top, int inputs)
    {
        var layer = Layer(name, "InnerProduct", [bottom], [top], Blob([5, inputs], Values(5 * inputs, 20)), Blob([5], Values(5, 21)));
        layer.InnerProductParam = new InnerProductParameter { NumOutput = 5 };
        return layer;
    }
}
