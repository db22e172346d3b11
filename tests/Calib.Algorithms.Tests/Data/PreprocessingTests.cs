using System.Text.Json;
using Calib.Algorithms.Data;
using Calib.Graph;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class PreprocessingTests
{
    [TestMethod]
    public void The_imagenet_preset_resizes_crops_and_normalizes()
    {
        var imagenet = Preprocessing.Preset("ImageNet");

        Assert.AreEqual((256, 256), imagenet.Resize);
        Assert.AreEqual((224, 224), imagenet.Crop);
        Assert.AreEqual(ChannelOrder.Rgb, imagenet.ChannelOrder);
        Assert.AreEqual(1f / 255f, imagenet.EffectiveScale);
        CollectionAssert.AreEqual(new[] { 0.485f, 0.456f, 0.406f }, imagenet.Mean);
        CollectionAssert.AreEqual(new[] { 0.229f, 0.224f, 0.225f }, imagenet.Std);
        Assert.IsNull(imagenet.MeanValues);
    }

    [TestMethod]
    public void The_other_presets()
    {
        var caffe = Preprocessing.Preset("caffe");
        Assert.AreEqual(ChannelOrder.Bgr, caffe.ChannelOrder);
        CollectionAssert.AreEqual(new[] { 104f, 117f, 123f }, caffe.MeanValues);
        Assert.AreEqual(1f, caffe.EffectiveScale);

        Assert.AreEqual(new Preprocessing { Scale = 1f / 255f }, Preprocessing.Preset("mnist"));
        Assert.AreEqual(new Preprocessing(), Preprocessing.Preset("none"));
        Assert.AreEqual(1f, Preprocessing.Preset("none").EffectiveScale);
    }

    [TestMethod]
    public void The_scale_defaults_to_1_over_255_only_with_a_mean_or_std()
    {
        Assert.AreEqual(1f / 255f, new Preprocessing { Mean = [0.5f] }.EffectiveScale);
        Assert.AreEqual(1f / 255f, new Preprocessing { Std = [0.5f] }.EffectiveScale);
        Assert.AreEqual(1f, new Preprocessing { MeanValues = [128f] }.EffectiveScale);
        Assert.AreEqual(2f, new Preprocessing { Mean = [0.5f], Scale = 2f }.EffectiveScale);
    }

    [TestMethod]
    public void An_unknown_preset_lists_the_presets()
    {
        var error = Assert.ThrowsExactly<CalibException>(() => Preprocessing.Preset("yolo"));

        StringAssert.Contains(error.Message, "'yolo'");
        StringAssert.Contains(error.Message, "imagenet, caffe, mnist, none");
    }

    [TestMethod]
    [DataRow("224", 224, 224)]
    [DataRow("224x320", 224, 320)]
    [DataRow(" 28X28 ", 28, 28)]
    public void Parses_sizes(string text, int height, int width)
    {
        Assert.AreEqual((height, width), Preprocessing.ParseSize(text));
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("0")]
    [DataRow("-3")]
    [DataRow("22a")]
    [DataRow("x5")]
    [DataRow("1x2x3")]
    [DataRow("2.5")]
    public void A_bad_size_names_the_value_and_the_flag(string text)
    {
        var error = Assert.ThrowsExactly<CalibException>(() => Preprocessing.ParseSize(text, "--crop"));

        StringAssert.Contains(error.Message, $"--crop '{text}'");
        StringAssert.Contains(error.Message, "HxW");
    }

    [TestMethod]
    public void Describes_itself_on_one_line()
    {
        Assert.AreEqual(
            "resize 256x256 (bilinear), center crop 224x224, RGB, scale 1/255, mean 0.485,0.456,0.406, std 0.229,0.224,0.225",
            Preprocessing.Preset("imagenet").Describe());
        Assert.AreEqual("BGR, mean_values 104,117,123, scale 1", Preprocessing.Preset("caffe").Describe());
        Assert.AreEqual("RGB, scale 1", Preprocessing.Preset("none").ToString());
    }

    [TestMethod]
    public void Round_trips_through_json()
    {
        var caffe = Preprocessing.Preset("caffe") with { Resize = (227, 300) };
        var camel = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

        var json = JsonSerializer.Serialize(caffe, camel);

        StringAssert.Contains(json, "\"resize\":{\"height\":227,\"width\":300}");
        StringAssert.Contains(json, "\"channelOrder\":\"Bgr\"");
        StringAssert.Contains(json, "\"crop\":null");
        Assert.AreEqual(caffe, JsonSerializer.Deserialize<Preprocessing>(json, camel));
        var imagenet = Preprocessing.Preset("imagenet");
        Assert.AreEqual(imagenet, JsonSerializer.Deserialize<Preprocessing>(JsonSerializer.Serialize(imagenet)));
    }

    [TestMethod]
    public void Compares_per_channel_values_by_value()
    {
        Assert.AreEqual(new Preprocessing { Mean = [1f, 2f] }, new Preprocessing { Mean = [1f, 2f] });
        Assert.AreEqual(new Preprocessing { Mean = [1f, 2f] }.GetHashCode(), new Preprocessing { Mean = [1f, 2f] }.GetHashCode());
        Assert.AreNotEqual(new Preprocessing { Mean = [1f, 2f] }, new Preprocessing { Mean = [1f, 3f] });
        Assert.AreNotEqual(new Preprocessing { Std = [1f] }, new Preprocessing());
    }
}
