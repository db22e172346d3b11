using Calib.Algorithms.Data;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class RawPixelCheckTests
{
    [TestMethod]
    public void Raw_pixels_without_preprocessing_are_named_with_the_flags_that_fix_them()
    {
        var warning = RawPixelCheck.Warning(0, 255, preprocessingGiven: false);
        Assert.IsNotNull(warning);
        StringAssert.Contains(warning, "[0, 255]");
        StringAssert.Contains(warning, "--scale");
        StringAssert.Contains(warning, "--preprocess");
        Assert.DoesNotContain("\n", warning, "one line");
    }

    [TestMethod]
    [DataRow(0.0, 255.0, true, DisplayName = "preprocessing given (even none)")]
    [DataRow(0.0, 1.0, false, DisplayName = "scaled to [0, 1]")]
    [DataRow(0.0, 2.0, false, DisplayName = "at the threshold")]
    [DataRow(-0.81, 2.02, false, DisplayName = "mean/std normalized: negative values")]
    [DataRow(-123.0, 151.0, false, DisplayName = "Caffe mean subtracted")]
    public void Scaled_or_normalized_input_or_given_preprocessing_is_not_warned(double min, double max, bool given) =>
        Assert.IsNull(RawPixelCheck.Warning(min, max, given));

    [TestMethod]
    public void Just_above_the_threshold_is_warned() => Assert.IsNotNull(RawPixelCheck.Warning(0, 2.01, preprocessingGiven: false));
}
