namespace Calib.Graph.Caffe.LayerMappers;

/// <summary>
/// Element-wise layers and Softmax: ReLU (Relu, or LeakyRelu with negative_slope), PReLU (one
/// slope, or one per channel shaped [C,1,…] to broadcast over N×C×…), ELU, Sigmoid, TanH, AbsVal,
/// Power (y = (shift + scale·x)^power as Mul, Add, Pow — only the steps that change something)
/// and Softmax (over Caffe's single axis, which is opset 13's semantics).
/// </summary>
internal sealed class ActivationMapper : ILayerMapper
{
    public IReadOnlyList<string> Types { get; } = ["ReLU", "PReLU", "ELU", "Sigmoid", "TanH", "AbsVal", "Power", "Softmax"];

    public void Map(LayerContext layer)
    {
        var input = layer.InputShape(0);
        switch (layer.Layer.Type)
        {
            case "ReLU":
                var slope = layer.Layer.ReluParam?.NegativeSlope ?? 0f;
                if (slope == 0f) Unary(layer, "Relu");
                else Unary(layer, "LeakyRelu").Attributes.Set("alpha", slope);
                break;
            case "PReLU":
                PRelu(layer, input);
                break;
            case "ELU":
                Unary(layer, "Elu").Attributes.Set("alpha", layer.Layer.EluParam?.Alpha ?? 1f);
                break;
            case "Sigmoid":
                Unary(layer, "Sigmoid");
                break;
            case "TanH":
                Unary(layer, "Tanh");
                break;
            case "AbsVal":
                Unary(layer, "Abs");
                break;
            case "Power":
                Power(layer);
                break;
            default:
                Unary(layer, "Softmax").Attributes.Set("axis", (long)layer.Axis(layer.Layer.SoftmaxParam?.Axis ?? 1, input.Length));
                break;
        }
        layer.SetOutputShape(0, input);
    }

    private static Ir.Node Unary(LayerContext layer, string op) => layer.AddNode(op, [layer.Input(0)], [layer.Output(0)]);

    private static void PRelu(LayerContext layer, long[] input)
    {
        var shared = layer.Layer.PreluParam?.ChannelShared ?? false;
        if (!shared && input.Length < 2) throw layer.Error($"its input is {input.Length}-D; per-channel slopes need a channel axis.");
        var channels = shared ? 1 : input[1];
        var slopes = layer.Blob(0, [channels], "slopes");
        long[] dims = shared ? [1] : [channels, .. Enumerable.Repeat(1L, input.Length - 2)];
        layer.AddNode("PRelu", [layer.Input(0), layer.Constant("slope", dims, slopes)], [layer.Output(0)]);
    }

    private static void Power(LayerContext layer)
    {
        var p = layer.Layer.PowerParam ?? new Proto.PowerParameter();
        var steps = new List<(string Op, string Suffix, float Value)>();
        if (p.Scale != 1f) steps.Add(("Mul", "scale", p.Scale));
        if (p.Shift != 0f) steps.Add(("Add", "shift", p.Shift));
        if (p.Power != 1f) steps.Add(("Pow", "power", p.Power));
        if (steps.Count == 0)
        {
            Unary(layer, "Identity");
            return;
        }
        var current = layer.Input(0);
        for (var i = 0; i < steps.Count; i++)
        {
            var (op, suffix, value) = steps[i];
            var last = i == steps.Count - 1;
            var output = last ? layer.Output(0) : layer.Temp(suffix);
            layer.AddNode(op, [current, layer.Constant(suffix, [], [value])], [output], last ? null : suffix);
            current = output;
        }
    }
}
