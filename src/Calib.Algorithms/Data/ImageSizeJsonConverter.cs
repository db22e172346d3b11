using System.Text.Json;
using System.Text.Json.Serialization;

namespace Calib.Algorithms.Data;

/// <summary>
/// Writes an image size as {"Height": h, "Width": w}: System.Text.Json would otherwise write a
/// value tuple as {} (its elements are fields, and their names exist only at compile time).
/// </summary>
internal sealed class ImageSizeJsonConverter : JsonConverter<(int Height, int Width)>
{
    private const string HeightName = "Height";
    private const string WidthName = "Width";

    public override (int Height, int Width) Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("An image size must be an object with Height and Width.");
        int? height = null, width = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (string.Equals(name, HeightName, StringComparison.OrdinalIgnoreCase)) height = reader.GetInt32();
            else if (string.Equals(name, WidthName, StringComparison.OrdinalIgnoreCase)) width = reader.GetInt32();
            else throw new JsonException($"Unknown image size field '{name}': expected Height and Width.");
        }
        if (height is null || width is null)
            throw new JsonException("An image size needs both Height and Width.");
        return (height.Value, width.Value);
    }

    public override void Write(Utf8JsonWriter writer, (int Height, int Width) value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber(Name(HeightName, options), value.Height);
        writer.WriteNumber(Name(WidthName, options), value.Width);
        writer.WriteEndObject();
    }

    private static string Name(string name, JsonSerializerOptions options) =>
        options.PropertyNamingPolicy?.ConvertName(name) ?? name;
}
