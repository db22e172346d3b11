using Calib.Graph.Caffe.Proto;
using LayerType = Calib.Graph.Caffe.Proto.V1LayerParameter.Types.LayerType;

namespace Calib.Graph.Caffe;

/// <summary>
/// Brings legacy nets to the current form, as Caffe's <c>UpgradeNetAsNeeded</c> does: V1
/// <c>layers { type: CONVOLUTION }</c> become <c>layer { type: "Convolution" }</c> with the same
/// parameters and blobs, <c>input_dim</c> (4 per input) becomes <c>input_shape</c>, and the
/// deprecated preprocessing fields of data layers move to <c>transform_param</c>.
/// </summary>
public static class V1Upgrade
{
    // Caffe's UpgradeV1LayerType.
    private static readonly Dictionary<LayerType, string> TypeNames = new()
    {
        [LayerType.Absval] = "AbsVal",
        [LayerType.Accuracy] = "Accuracy",
        [LayerType.Argmax] = "ArgMax",
        [LayerType.Bnll] = "BNLL",
        [LayerType.Concat] = "Concat",
        [LayerType.ContrastiveLoss] = "ContrastiveLoss",
        [LayerType.Convolution] = "Convolution",
        [LayerType.Data] = "Data",
        [LayerType.Deconvolution] = "Deconvolution",
        [LayerType.Dropout] = "Dropout",
        [LayerType.DummyData] = "DummyData",
        [LayerType.EuclideanLoss] = "EuclideanLoss",
        [LayerType.Eltwise] = "Eltwise",
        [LayerType.Exp] = "Exp",
        [LayerType.Flatten] = "Flatten",
        [LayerType.Hdf5Data] = "HDF5Data",
        [LayerType.Hdf5Output] = "HDF5Output",
        [LayerType.HingeLoss] = "HingeLoss",
        [LayerType.Im2Col] = "Im2col",
        [LayerType.ImageData] = "ImageData",
        [LayerType.InfogainLoss] = "InfogainLoss",
        [LayerType.InnerProduct] = "InnerProduct",
        [LayerType.Lrn] = "LRN",
        [LayerType.MemoryData] = "MemoryData",
        [LayerType.MultinomialLogisticLoss] = "MultinomialLogisticLoss",
        [LayerType.Mvn] = "MVN",
        [LayerType.Pooling] = "Pooling",
        [LayerType.Power] = "Power",
        [LayerType.Relu] = "ReLU",
        [LayerType.Sigmoid] = "Sigmoid",
        [LayerType.SigmoidCrossEntropyLoss] = "SigmoidCrossEntropyLoss",
        [LayerType.Silence] = "Silence",
        [LayerType.Softmax] = "Softmax",
        [LayerType.SoftmaxLoss] = "SoftmaxWithLoss",
        [LayerType.Split] = "Split",
        [LayerType.Slice] = "Slice",
        [LayerType.Tanh] = "TanH",
        [LayerType.WindowData] = "WindowData",
        [LayerType.Threshold] = "Threshold",
    };

    /// <summary>
    /// Returns <paramref name="net"/> in the current form (the same object when nothing was legacy).
    /// <paramref name="source"/> names the file in errors.
    /// </summary>
    /// <exception cref="CalibException">The net mixes V1 and current layers, is in the pre-V1 (V0) format, or has malformed input dimensions.</exception>
    public static NetParameter Upgrade(NetParameter net, string source)
    {
        if (net.Layers.Count == 0 && net.InputDim.Count == 0)
        {
            foreach (var layer in net.Layer) MoveDataTransformation(layer);
            return net;
        }
        if (net.Layers.Count > 0 && net.Layer.Count > 0)
            throw new CalibException($"'{source}' mixes legacy 'layers' (V1) and current 'layer' entries: use one form throughout.");
        var upgraded = net.Clone();
        upgraded.Layers.Clear();
        foreach (var legacy in net.Layers) upgraded.Layer.Add(Upgrade(legacy, source));
        foreach (var layer in upgraded.Layer) MoveDataTransformation(layer);
        UpgradeInputDims(upgraded, source);
        return upgraded;
    }

    private static LayerParameter Upgrade(V1LayerParameter v1, string source)
    {
        if (v1.Layer is not null)
            throw new CalibException(
                $"'{source}': layer '{v1.Layer.Name}{v1.Name}' is in Caffe's pre-2014 V0 format, which calib does not read. " +
                "Upgrade the file with Caffe's tools/upgrade_net_proto_text (and upgrade_net_proto_binary for the caffemodel).");
        if (!TypeNames.TryGetValue(v1.Type, out var type))
            throw new CalibException($"'{source}': legacy layer '{v1.Name}' has no known type ({v1.Type}).");
        var layer = new LayerParameter { Name = v1.Name, Type = type };
        layer.Bottom.AddRange(v1.Bottom);
        layer.Top.AddRange(v1.Top);
        layer.Include.AddRange(v1.Include);
        layer.Exclude.AddRange(v1.Exclude);
        layer.Blobs.AddRange(v1.Blobs);
        layer.LossWeight.AddRange(v1.LossWeight);
        for (var i = 0; i < Math.Max(v1.BlobsLr.Count, v1.WeightDecay.Count); i++)
        {
            var spec = new ParamSpec();
            if (i < v1.BlobsLr.Count) spec.LrMult = v1.BlobsLr[i];
            if (i < v1.WeightDecay.Count) spec.DecayMult = v1.WeightDecay[i];
            layer.Param.Add(spec);
        }
        layer.AccuracyParam = v1.AccuracyParam;
        layer.ArgmaxParam = v1.ArgmaxParam;
        layer.ConcatParam = v1.ConcatParam;
        layer.ConvolutionParam = v1.ConvolutionParam;
        layer.DataParam = v1.DataParam;
        layer.DropoutParam = v1.DropoutParam;
        layer.DummyDataParam = v1.DummyDataParam;
        layer.EltwiseParam = v1.EltwiseParam;
        layer.Hdf5DataParam = v1.Hdf5DataParam;
        layer.ImageDataParam = v1.ImageDataParam;
        layer.InnerProductParam = v1.InnerProductParam;
        layer.LrnParam = v1.LrnParam;
        layer.MemoryDataParam = v1.MemoryDataParam;
        layer.PoolingParam = v1.PoolingParam;
        layer.PowerParam = v1.PowerParam;
        layer.ReluParam = v1.ReluParam;
        layer.SigmoidParam = v1.SigmoidParam;
        layer.SoftmaxParam = v1.SoftmaxParam;
        layer.SliceParam = v1.SliceParam;
        layer.TanhParam = v1.TanhParam;
        layer.TransformParam = v1.TransformParam;
        layer.LossParam = v1.LossParam;
        return layer;
    }

    // input_dim lists num, channels, height, width for each input in turn.
    private static void UpgradeInputDims(NetParameter net, string source)
    {
        if (net.InputDim.Count == 0) return;
        if (net.InputShape.Count > 0 || net.InputDim.Count != 4 * net.Input.Count)
            throw new CalibException(
                $"'{source}' declares {net.Input.Count} input(s) with {net.InputDim.Count} input_dim values: give exactly 4 per input (num, channels, height, width), or use input_shape.");
        for (var i = 0; i < net.Input.Count; i++)
        {
            var shape = new BlobShape();
            shape.Dim.AddRange(net.InputDim.Skip(4 * i).Take(4).Select(d => (long)d));
            net.InputShape.Add(shape);
        }
        net.InputDim.Clear();
    }

    // Caffe's UpgradeNetDataTransformation: scale, mean_file, crop_size and mirror of data
    // parameters belong to transform_param.
    private static void MoveDataTransformation(LayerParameter layer)
    {
        if (layer.DataParam is { } data)
            MoveTransformation(layer, data.HasScale, data.Scale, data.HasMeanFile, data.MeanFile, data.HasCropSize, data.CropSize, data.HasMirror, data.Mirror);
        if (layer.ImageDataParam is { } image)
            MoveTransformation(layer, image.HasScale, image.Scale, image.HasMeanFile, image.MeanFile, image.HasCropSize, image.CropSize, image.HasMirror, image.Mirror);
    }

    private static void MoveTransformation(LayerParameter layer, bool hasScale, float scale, bool hasMean, string meanFile,
        bool hasCrop, uint cropSize, bool hasMirror, bool mirror)
    {
        if (!hasScale && !hasMean && !hasCrop && !hasMirror) return;
        var transform = layer.TransformParam ??= new TransformationParameter();
        if (hasScale && !transform.HasScale) transform.Scale = scale;
        if (hasMean && !transform.HasMeanFile) transform.MeanFile = meanFile;
        if (hasCrop && !transform.HasCropSize) transform.CropSize = cropSize;
        if (hasMirror && !transform.HasMirror) transform.Mirror = mirror;
    }
}
