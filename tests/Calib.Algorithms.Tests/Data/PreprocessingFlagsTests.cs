using Calib.Algorithms.Data;
using Calib.Graph;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class PreprocessingFlagsTests
{
    [TestMethod]
    public void Flags_override_the_preset()
    {
        var flags = new PreprocessingFlags { Preset = "imagenet", Resize = "300x320", Crop = "288", ChannelOrder = "BGR", Scale = "1/128", Mean = "0.5", Std = "0.25, 0.5,1" };

        var result = flags.ToPreprocessing();

        Assert.AreEqual(
            Preprocessing.Preset("imagenet") with
            {
                Resize = (300, 320), Crop = (288, 288), ChannelOrder = ChannelOrder.Bgr, Scale = 1f / 128f, Mean = [0.5f], Std = [0.25f, 0.5f, 1f],
            },
            result);
    }

    [TestMethod]
    public void No_flags_mean_no_preprocessing()
    {
        Assert.AreEqual(new Preprocessing(), new PreprocessingFlags().ToPreprocessing());
        Assert.AreEqual(
            new Preprocessing { MeanValues = [104f, 117f, 123f] },
            new PreprocessingFlags { MeanValues = "104,117,123" }.ToPreprocessing());
    }

    [TestMethod]
    [DataRow("--scale", "abc")]
    [DataRow("--scale", "1/0")]
    [DataRow("--mean", "0.5,x")]
    [DataRow("--std", "")]
    [DataRow("--mean-values", "1,,2")]
    [DataRow("--resize", "big")]
    [DataRow("--channel-order", "rbg")]
    public void A_bad_value_names_its_flag(string flag, string value)
    {
        var flags = flag switch
        {
            "--scale" => new PreprocessingFlags { Scale = value },
            "--mean" => new PreprocessingFlags { Mean = value },
            "--std" => new PreprocessingFlags { Std = value },
            "--mean-values" => new PreprocessingFlags { MeanValues = value },
            "--resize" => new PreprocessingFlags { Resize = value },
            _ => new PreprocessingFlags { ChannelOrder = value },
        };

        var error = Assert.ThrowsExactly<CalibException>(flags.ToPreprocessing);

        StringAssert.Contains(error.Message, $"{flag} '{value}'");
    }
}
