using Calib.Graph.Ir;
using Calib.Graph.Onnx.Proto;
using DataType = Calib.Graph.Onnx.Proto.TensorProto.Types.DataType;

namespace Calib.Graph.Tests.Ir;

[TestClass]
public sealed class TensorDataTests
{
    [TestMethod]
    public void Floats_read_the_same_from_raw_data_and_float_data()
    {
        var raw = TensorData.FromFloats([2, 2], [1f, -2f, 3.5f, 0f]);
        var typed = new TensorProto { DataType = (int)DataType.Float, Dims = { 2, 2 }, FloatData = { 1f, -2f, 3.5f, 0f } };
        CollectionAssert.AreEqual(TensorData.ReadFloats(raw), TensorData.ReadFloats(typed));
        Assert.AreEqual(4, TensorData.ElementCount(raw));
    }

    [TestMethod]
    public void Narrow_types_stored_in_int32_data_are_unpacked()
    {
        var int8 = new TensorProto { DataType = (int)DataType.Int8, Dims = { 3 }, Int32Data = { -1, 5, -128 } };
        var half = new TensorProto { DataType = (int)DataType.Float16, Dims = { 1 }, Int32Data = { BitConverter.HalfToUInt16Bits((Half)1.5f) } };
        CollectionAssert.AreEqual(new long[] { -1, 5, -128 }, TensorData.ReadInt64s(int8));
        CollectionAssert.AreEqual(new[] { 1.5f }, TensorData.ReadFloats(half));
    }

    [TestMethod]
    public void Scalars_have_no_dimensions()
    {
        var scalar = TensorData.Scalar(3L);
        Assert.AreEqual(0, scalar.Dims.Count);
        Assert.AreEqual(1, TensorData.ElementCount(scalar));
        CollectionAssert.AreEqual(new long[] { 3 }, TensorData.ReadInt64s(scalar));
    }

    [TestMethod]
    public void Reading_floats_from_an_integer_tensor_is_a_clear_error()
    {
        var e = Assert.ThrowsExactly<CalibException>(() => TensorData.ReadFloats(TensorData.FromInt8s([1], [1], "q")));
        StringAssert.Contains(e.Message, "'q'");
    }
}
