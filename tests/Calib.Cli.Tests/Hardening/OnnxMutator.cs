using Calib.Graph.Onnx.Proto;
using Google.Protobuf;

namespace Calib.Cli.Tests.Hardening;

/// <summary>
/// Structure-aware edits of an ONNX model for the fuzz test: byte flips mostly land in weight data,
/// so these change what the loader, the passes and the layer finder look at (ops, attributes,
/// tensor names, shapes, element types, opsets).
/// </summary>
internal static class OnnxMutator
{
    private static readonly string[] Ops =
        ["Conv", "ConvTranspose", "Gemm", "MatMul", "Relu", "AveragePool", "MaxPool", "GlobalAveragePool", "Add", "Mul", "Reshape",
         "Identity", "BatchNormalization", "Concat", "Flatten", "Softmax", "Transpose", "QuantizeLinear", "DequantizeLinear", "NoSuchOp", ""];

    /// <summary>One to three structural edits of <paramref name="seed"/>.</summary>
    public static byte[] Mutate(byte[] seed, Mutator mutator)
    {
        var random = mutator.Random;
        var model = ModelProto.Parser.ParseFrom(seed);
        var graph = model.Graph;
        var names = graph.Node.SelectMany(n => n.Input.Concat(n.Output)).Concat(graph.Initializer.Select(i => i.Name)).Distinct().ToList();
        var edits = random.Next(1, 4);
        for (var i = 0; i < edits; i++)
        {
            var node = graph.Node.Count > 0 ? graph.Node[random.Next(graph.Node.Count)] : null;
            switch (random.Next(12))
            {
                case 0 when node is not null: node.OpType = Ops[random.Next(Ops.Length)]; break;
                case 1 when node is { Attribute.Count: > 0 }:
                    var attribute = node.Attribute[random.Next(node.Attribute.Count)];
                    if (attribute.Ints.Count > 0) attribute.Ints[random.Next(attribute.Ints.Count)] = mutator.InterestingInteger(attribute.Ints[0]);
                    else if (random.Next(2) == 0) attribute.I = mutator.InterestingInteger(attribute.I);
                    else attribute.F = random.Next(3) switch { 0 => float.NaN, 1 => 0, _ => -1 };
                    break;
                case 2 when node is { Input.Count: > 0 }:
                    var input = random.Next(node.Input.Count);
                    if (random.Next(3) == 0) node.Input.RemoveAt(input);
                    else node.Input[input] = random.Next(2) == 0 ? names[random.Next(names.Count)] : "missing_tensor";
                    break;
                case 3 when node is { Output.Count: > 0 }: node.Output[0] = names[random.Next(names.Count)]; break;
                case 4 when graph.Initializer.Count > 0:
                    var tensor = graph.Initializer[random.Next(graph.Initializer.Count)];
                    if (tensor.Dims.Count > 0) tensor.Dims[random.Next(tensor.Dims.Count)] = mutator.InterestingInteger(tensor.Dims[0]);
                    else tensor.Dims.Add(mutator.InterestingInteger(1));
                    break;
                case 5 when graph.Initializer.Count > 0:
                    graph.Initializer[random.Next(graph.Initializer.Count)].DataType = random.Next(0, 25);
                    break;
                case 6 when graph.Initializer.Count > 0:
                    var data = graph.Initializer[random.Next(graph.Initializer.Count)];
                    if (data.RawData.Length > 0) data.RawData = ByteString.CopyFrom(data.RawData.Span[..random.Next(data.RawData.Length)]);
                    else if (data.FloatData.Count > 0) data.FloatData.RemoveAt(random.Next(data.FloatData.Count));
                    break;
                case 7: model.OpsetImport[0].Version = new long[] { 1, 9, 10, 11, 12, 22, 1000, -1 }[random.Next(8)]; break;
                case 8 when graph.Input.Count > 0 && graph.Input[0].Type?.TensorType?.Shape is { Dim.Count: > 0 } shape:
                    var dim = shape.Dim[random.Next(shape.Dim.Count)];
                    if (random.Next(3) == 0) dim.DimParam = "n";
                    else dim.DimValue = mutator.InterestingInteger(dim.DimValue);
                    break;
                case 9 when graph.Input.Count > 0: graph.Input[0].Type.TensorType.ElemType = random.Next(0, 25); break;
                case 10 when graph.Output.Count > 0:
                    if (random.Next(2) == 0) graph.Output.RemoveAt(0);
                    else graph.Output[0].Name = names[random.Next(names.Count)];
                    break;
                case 11 when node is not null:
                    if (random.Next(2) == 0) graph.Node.Remove(node);
                    else graph.Node.Insert(random.Next(graph.Node.Count), node.Clone());
                    break;
                default: model.IrVersion = new long[] { 0, 1, 3, 7, 11, 100 }[random.Next(6)]; break;
            }
        }
        return model.ToByteArray();
    }
}
