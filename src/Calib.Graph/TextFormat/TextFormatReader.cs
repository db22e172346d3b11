using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Calib.Graph.TextFormat;

/// <summary>
/// Reads protobuf text format (Caffe prototxt, AMCT .cfg, AMCT record files) into any message,
/// driven by its descriptor: <c>field: value</c>, <c>field { … }</c> or <c>field &lt; … &gt;</c>,
/// repeated fields given once per element or as <c>[a, b]</c>, enums by name or number, strings
/// with C escapes, # comments. Errors name the source, line and column.
/// </summary>
public static class TextFormatReader
{
    /// <summary>How strict the reader is.</summary>
    /// <param name="IgnoreUnknownFields">Skip fields the message does not define (reported through <paramref name="OnUnknownField"/>) instead of failing.</param>
    /// <param name="OnUnknownField">Receives "source:line:column: field 'x' …" for each skipped field.</param>
    public sealed record Options(bool IgnoreUnknownFields = false, Action<string>? OnUnknownField = null);

    /// <summary>Parses <paramref name="text"/> into a new <typeparamref name="T"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="CalibException">The text is malformed or does not fit the message.</exception>
    public static T Parse<T>(string text, string source, Options? options = null) where T : IMessage<T>, new()
    {
        var message = new T();
        Merge(message, text, source, options);
        return message;
    }

    /// <summary>Parses <paramref name="text"/> into <paramref name="message"/>.</summary>
    public static void Merge(IMessage message, string text, string source, Options? options = null)
    {
        var reader = new Reader(new TextFormatTokenizer(text, source), options ?? new Options());
        reader.ReadFields(message, closing: null);
    }

    private sealed class Reader(TextFormatTokenizer tokens, Options options)
    {
        private Token _current = tokens.Next();

        public void ReadFields(IMessage message, string? closing)
        {
            var seen = new HashSet<int>();
            var chosen = new Dictionary<OneofDescriptor, Token>();
            while (true)
            {
                if (_current.Kind == TokenKind.End)
                {
                    if (closing is not null) throw Error(_current, $"expected '{closing}' before the end of the input");
                    return;
                }
                if (closing is not null && IsSymbol(closing)) { Take(); return; }
                ReadField(message, seen, chosen);
                if (IsSymbol(",") || IsSymbol(";")) Take();
            }
        }

        private void ReadField(IMessage message, HashSet<int> seen, Dictionary<OneofDescriptor, Token> chosen)
        {
            var name = Expect(TokenKind.Identifier, "a field name");
            var field = message.Descriptor.FindFieldByName(name.Text);
            if (field is null)
            {
                var where = $"{tokens.Source}:{name.Line}:{name.Column}";
                var text = $"field '{name.Text}' is not part of {message.Descriptor.Name}";
                if (!options.IgnoreUnknownFields) throw Error(name, $"{text}; check its spelling");
                options.OnUnknownField?.Invoke($"{where}: {text}; ignored");
                SkipValue();
                return;
            }
            if (!field.IsRepeated && !seen.Add(field.FieldNumber))
                throw Error(name, $"field '{name.Text}' of {message.Descriptor.Name} is given more than once");
            // Protobuf keeps only the last member of a oneof; a file naming two meant one of them.
            if (field.RealContainingOneof is { } oneof && !chosen.TryAdd(oneof, name) && chosen[oneof].Text != name.Text)
                throw Error(name, $"'{name.Text}' and '{chosen[oneof].Text}' (line {chosen[oneof].Line}) are alternatives " +
                    $"({oneof.Name}) in one {message.Descriptor.Name}: keep only one");
            var isMessage = field.FieldType is FieldType.Message or FieldType.Group;
            if (IsSymbol(":")) Take();
            else if (!isMessage) throw Error(_current, $"expected ':' after '{name.Text}'");
            if (field.IsRepeated && IsSymbol("["))
            {
                Take();
                while (!IsSymbol("]"))
                {
                    AddValue(message, field);
                    if (IsSymbol(",")) Take();
                    else if (!IsSymbol("]")) throw Error(_current, "expected ',' or ']' in a list");
                }
                Take();
                return;
            }
            AddValue(message, field);
        }

        private void AddValue(IMessage message, FieldDescriptor field)
        {
            var value = field.FieldType is FieldType.Message or FieldType.Group ? ReadMessage(field) : ReadScalar(field);
            if (field.IsRepeated) ((IList)field.Accessor.GetValue(message)).Add(value);
            else field.Accessor.SetValue(message, value);
        }

        private IMessage ReadMessage(FieldDescriptor field)
        {
            var open = _current;
            var closing = IsSymbol("{") ? "}" : IsSymbol("<") ? ">" : throw Error(open, $"expected '{{' to open '{field.Name}'");
            Take();
            var child = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
            ReadFields(child, closing);
            return child;
        }

        private object ReadScalar(FieldDescriptor field)
        {
            var token = Take();
            try
            {
                return field.FieldType switch
                {
                    FieldType.String => Expect(token, TokenKind.String).Text,
                    FieldType.Bytes => ByteString.CopyFrom(Expect(token, TokenKind.String).Bytes!),
                    FieldType.Bool => ParseBool(token),
                    FieldType.Float => (float)ParseDouble(token),
                    FieldType.Double => ParseDouble(token),
                    FieldType.Enum => ParseEnum(token, field),
                    FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => checked((int)ParseInteger(token)),
                    FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => (long)ParseInteger(token),
                    FieldType.UInt32 or FieldType.Fixed32 => checked((uint)ParseInteger(token)),
                    FieldType.UInt64 or FieldType.Fixed64 => checked((ulong)ParseInteger(token)),
                    _ => throw Error(token, $"field '{field.Name}' has an unsupported type {field.FieldType}"),
                };
            }
            catch (OverflowException)
            {
                throw Error(token, $"{token.Text} is out of range for '{field.Name}' ({field.FieldType})");
            }
        }

        private Token Expect(Token token, TokenKind kind) =>
            token.Kind == kind ? token : throw Error(token, $"expected a {kind.ToString().ToLowerInvariant()}, found '{token.Text}'");

        private bool ParseBool(Token token) => token.Text switch
        {
            "true" or "True" or "t" or "1" => true,
            "false" or "False" or "f" or "0" => false,
            _ => throw Error(token, $"'{token.Text}' is not true or false"),
        };

        private double ParseDouble(Token token)
        {
            var text = token.Text.ToLowerInvariant();
            if (text.EndsWith('f') && !text.EndsWith("inf")) text = text[..^1];
            return text switch
            {
                "inf" or "+inf" or "infinity" => double.PositiveInfinity,
                "-inf" or "-infinity" => double.NegativeInfinity,
                "nan" => double.NaN,
                _ when token.Kind == TokenKind.Number && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
                _ => throw Error(token, $"'{token.Text}' is not a number"),
            };
        }

        private System.Numerics.BigInteger ParseInteger(Token token)
        {
            var text = token.Text;
            var negative = text.StartsWith('-');
            var digits = negative || text.StartsWith('+') ? text[1..] : text;
            System.Numerics.BigInteger value;
            var ok = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? System.Numerics.BigInteger.TryParse("0" + digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value)
                : System.Numerics.BigInteger.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
            if (token.Kind != TokenKind.Number || !ok) throw Error(token, $"'{text}' is not an integer");
            return negative ? -value : value;
        }

        private object ParseEnum(Token token, FieldDescriptor field)
        {
            var type = field.EnumType;
            var value = token.Kind == TokenKind.Identifier
                ? type.FindValueByName(token.Text)
                : token.Kind == TokenKind.Number && int.TryParse(token.Text, CultureInfo.InvariantCulture, out var number) ? type.FindValueByNumber(number) : null;
            if (value is null)
                throw Error(token, $"'{token.Text}' is not a value of {type.Name} (one of {string.Join(", ", type.Values.Select(v => v.Name))})");
            return Enum.ToObject(type.ClrType, value.Number);
        }

        // Skips an unknown field's value: a scalar, a list, or a nested block.
        private void SkipValue()
        {
            if (IsSymbol(":")) Take();
            if (IsSymbol("{") || IsSymbol("<"))
            {
                var closing = IsSymbol("{") ? "}" : ">";
                Take();
                var depth = 1;
                while (depth > 0)
                {
                    if (_current.Kind == TokenKind.End) throw Error(_current, $"expected '{closing}' before the end of the input");
                    if (IsSymbol("{") || IsSymbol("<")) depth++;
                    else if (IsSymbol("}") || IsSymbol(">")) depth--;
                    Take();
                }
            }
            else if (IsSymbol("["))
            {
                while (!IsSymbol("]")) { if (_current.Kind == TokenKind.End) throw Error(_current, "list is not closed"); Take(); }
                Take();
            }
            else Take();
        }

        private bool IsSymbol(string symbol) => _current.Kind == TokenKind.Symbol && _current.Text == symbol;

        private Token Take()
        {
            var token = _current;
            _current = tokens.Next();
            return token;
        }

        private Token Expect(TokenKind kind, string what) =>
            _current.Kind == kind ? Take() : throw Error(_current, $"expected {what}, found '{(_current.Kind == TokenKind.End ? "end of input" : _current.Text)}'");

        private CalibException Error(Token token, string message) => tokens.Error(token.Line, token.Column, message);
    }
}
