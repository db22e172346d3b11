using System.Text.Json.Serialization;

namespace Calib.Algorithms.Data;

/// <summary>The order of the colour channels in a 3-channel model input.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChannelOrder>))]
public enum ChannelOrder
{
    /// <summary>Red, green, blue (torchvision and most ONNX exports).</summary>
    Rgb,

    /// <summary>Blue, green, red (Caffe and OpenCV models).</summary>
    Bgr,
}
