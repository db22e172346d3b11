using Calib.Algorithms.Data;
using Calib.Graph;
using Calib.Graph.Shapes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Algorithms.Tests.Data;

[TestClass]
public sealed class InputLayoutTests
{
    [TestMethod]
    public void Takes_channels_height_and_width_of_an_nchw_input()
    {
        var fixedSize = Input(Dimension.Symbolic("batch"), Dimension.Fixed(1), Dimension.Fixed(28), Dimension.Fixed(28));
        var symbolic = Input(Dimension.Fixed(1), Dimension.Fixed(3), Dimension.Symbolic("h"), Dimension.Symbolic(null));

        Assert.AreEqual(new InputLayout(1, 28, 28), InputLayout.FromTensor(fixedSize));
        Assert.AreEqual(new InputLayout(3, null, null), InputLayout.FromTensor(symbolic));
        Assert.AreEqual("3x?x?", InputLayout.FromTensor(symbolic).ToString());
    }

    [TestMethod]
    public void An_input_that_is_not_nchw_with_fixed_channels_is_named()
    {
        foreach (var input in new[]
        {
            Input(Dimension.Fixed(1), Dimension.Fixed(784)),
            Input(Dimension.Fixed(1), Dimension.Symbolic("c"), Dimension.Fixed(28), Dimension.Fixed(28)),
        })
        {
            var error = Assert.ThrowsExactly<CalibException>(() => InputLayout.FromTensor(input));

            StringAssert.Contains(error.Message, $"'input' has shape {input.ShapeText}");
        }
    }

    private static TensorInfo Input(params Dimension[] shape) => new("input", DataType.Float, shape);
}
