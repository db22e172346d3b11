using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Calib.Graph.TextFormat;

/// <summary>
/// Writes any protobuf message in protobuf text format (what Caffe prototxts, AMCT configs and
/// AMCT record files are), driven by the message descriptor: fields in field-number order,
/// repeated fields as one line per element, nested messages as <c>name { … }</c>, enums by
/// name, strings C-escaped, floats in their shortest round-trip form.
/// </summary>
public static class TextFormatWriter
{
    /// <summary>The text form of <paramref name="message"/>.</summary>
    public static string Write(IMessage message)
    {
        var text = new StringBuilder();
        WriteFields(text, message, 0);
        return text.ToString();
    }

    private static void WriteFields(StringBuilder text, IMessage message, int depth)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (field.IsRepeated)
            {
                foreach (var item in (IList)value) WriteField(text, field, item, depth);
            }
            else if (IsPresent(field, message, value))
            {
                WriteField(text, field, value, depth);
            }
        }
    }

    private static bool IsPresent(FieldDescriptor field, IMessage message, object? value) =>
        field.HasPresence ? field.Accessor.HasValue(message) : value is not null && !IsDefault(value);

    private static bool IsDefault(object value) => value switch
    {
        string s => s.Length == 0,
        ByteString b => b.IsEmpty,
        bool b => !b,
        float f => f == 0 && !float.IsNegative(f),
        double d => d == 0 && !double.IsNegative(d),
        Enum e => Convert.ToInt32(e) == 0,
        IMessage => false,
        _ => Convert.ToDecimal(value, CultureInfo.InvariantCulture) == 0,
    };

    private static void WriteField(StringBuilder text, FieldDescriptor field, object value, int depth)
    {
        text.Append(' ', depth * 2).Append(field.Name);
        if (value is IMessage nested)
        {
            text.Append(" {\n");
            WriteFields(text, nested, depth + 1);
            text.Append(' ', depth * 2).Append("}\n");
            return;
        }
        text.Append(": ").Append(Scalar(field, value)).Append('\n');
    }

    private static string Scalar(FieldDescriptor field, object value) => value switch
    {
        string s => Quote(s),
        ByteString b => Quote(b.Span),
        bool b => b ? "true" : "false",
        float f => FloatText(f),
        double d => DoubleText(d),
        Enum e => field.EnumType.FindValueByNumber(Convert.ToInt32(e))?.Name ?? Convert.ToInt32(e).ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    /// <summary>A float32 in text format: shortest text that parses back to the same value.</summary>
    public static string FloatText(float value) =>
        float.IsNaN(value) ? "nan" : float.IsPositiveInfinity(value) ? "inf" : float.IsNegativeInfinity(value) ? "-inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string DoubleText(double value) =>
        double.IsNaN(value) ? "nan" : double.IsPositiveInfinity(value) ? "inf" : double.IsNegativeInfinity(value) ? "-inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    // Strings keep their (UTF-8) characters; only quotes, backslashes and control characters are escaped.
    private static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value) text.Append(c < 0x80 ? Escape((byte)c) : c.ToString());
        return text.Append('"').ToString();
    }

    // Bytes may not be UTF-8: everything outside printable ASCII becomes an octal escape.
    private static string Quote(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder("\"");
        foreach (var b in bytes) text.Append(b < 0x80 ? Escape(b) : $"\\{Convert.ToString(b, 8)}");
        return text.Append('"').ToString();
    }

    private static string Escape(byte b) => b switch
    {
        (byte)'"' => "\\\"",
        (byte)'\\' => "\\\\",
        (byte)'\n' => "\\n",
        (byte)'\r' => "\\r",
        (byte)'\t' => "\\t",
        < 0x20 or 0x7F => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}",
        _ => ((char)b).ToString(),
    };
}
