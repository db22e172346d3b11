using Calib.Graph.Shapes;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Shapes;

[TestClass]
public sealed class TensorInfoCatalogTests
{
    private static readonly TensorInfoCatalog Catalog = TensorInfoCatalog.Build(TestModels.LayerZoo());

    [TestMethod]
    [DataRow("c1", "[batch,4,8,8]")]
    [DataRow("p1", "[batch,4,4,4]")]
    [DataRow("d1", "[batch,4,8,8]")]
    [DataRow("g", "[batch,4,1,1]")]
    [DataRow("y2", "[batch,3]")]
    [DataRow("w_conv", "[4,2,3,3]")]
    public void Every_tensor_has_a_shape(string tensor, string shape)
    {
        Assert.AreEqual(shape, Catalog.Find(tensor)!.ShapeText);
        Assert.AreEqual(DataType.Float, Catalog.Find(tensor)!.ElementType);
    }

    [TestMethod]
    public void Channel_counts_are_known_for_layer_inputs()
    {
        Assert.AreEqual(4L, Catalog.Find("c2")!.DimensionOrNull(1));
        Assert.IsNull(Catalog.Find("c2")!.DimensionOrNull(0));
    }

    [TestMethod]
    public void Declarations_alone_know_inputs_and_initializers_but_not_intermediates()
    {
        var declared = TensorInfoCatalog.FromDeclarations(TestModels.LayerZoo());
        Assert.AreEqual("[batch,2,8,8]", declared.Find("x")!.ShapeText);
        Assert.IsNull(declared.Find("c1"));
    }
}
