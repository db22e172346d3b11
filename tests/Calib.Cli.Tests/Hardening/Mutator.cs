using System.Text;
using System.Text.RegularExpressions;

namespace Calib.Cli.Tests.Hardening;

/// <summary>
/// Blind mutations for the fuzz test, from one seeded <see cref="Random"/> so that every run tries the
/// same inputs: byte-level edits for binary files, token-level edits for text formats.
/// </summary>
internal sealed partial class Mutator(int seed)
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF];

    private static readonly int[] InterestingInts = [0, -1, 1, int.MaxValue, int.MinValue, 0x10000, 0x7FFF];

    private static readonly string[] InterestingNumbers =
        ["0", "-1", "1", "3", "-0", "0.5", "1.5", "1e300", "-1e300", "1e-300", "1e-7", "nan", "inf", "-inf", "2147483648", "4294967296",
         "99999999999999999999", "0x7fffffff", "1e", ".", "-"];

    private static readonly string[] InterestingText = ["{", "}", "<", ">", "[", "]", ":", ",", ";", "\"", "'", "#", "\\", "\n", "\uFEFF", "\0", "é", " "];

    /// <summary>The random source, for callers that make structure-aware edits.</summary>
    public Random Random { get; } = new(seed);

    /// <summary>One to four random byte-level edits of <paramref name="seed"/>.</summary>
    public byte[] Bytes(byte[] seed)
    {
        var data = new List<byte>(seed);
        var edits = Random.Next(1, 5);
        for (var i = 0; i < edits && data.Count > 0; i++)
        {
            var at = Random.Next(data.Count);
            switch (Random.Next(7))
            {
                case 0: data[at] ^= (byte)(1 << Random.Next(8)); break;
                case 1: data[at] = InterestingBytes[Random.Next(InterestingBytes.Length)]; break;
                case 2: data.RemoveRange(at, data.Count - at); break;
                case 3: data.RemoveRange(at, Math.Min(Random.Next(1, 17), data.Count - at)); break;
                case 4:
                    var length = Math.Min(Random.Next(1, 33), data.Count - at);
                    data.InsertRange(Random.Next(data.Count), data.GetRange(at, length));
                    break;
                case 5: data.InsertRange(at, Enumerable.Range(0, Random.Next(1, 9)).Select(_ => (byte)Random.Next(256))); break;
                default:
                    var value = BitConverter.GetBytes(InterestingInts[Random.Next(InterestingInts.Length)]);
                    for (var b = 0; b < value.Length && at + b < data.Count; b++) data[at + b] = value[b];
                    break;
            }
        }
        return [.. data];
    }

    /// <summary>One to three random token-level edits of <paramref name="seed"/> (protobuf text format, .cfg).</summary>
    public string Text(string seed)
    {
        var tokens = Token().Matches(seed).Select(m => m.Value).ToList();
        var edits = Random.Next(1, 4);
        for (var i = 0; i < edits && tokens.Count > 0; i++)
        {
            var at = Random.Next(tokens.Count);
            switch (Random.Next(6))
            {
                case 0:
                    var numbers = tokens.Select((t, index) => (t, index)).Where(p => char.IsDigit(p.t[0]) || p.t[0] is '-' or '.').ToList();
                    if (numbers.Count > 0) tokens[numbers[Random.Next(numbers.Count)].index] = InterestingNumbers[Random.Next(InterestingNumbers.Length)];
                    break;
                case 1: tokens.RemoveAt(at); break;
                case 2: tokens.Insert(at, tokens[Random.Next(tokens.Count)]); break;
                case 3: tokens.Insert(at, InterestingText[Random.Next(InterestingText.Length)]); break;
                case 4:
                    var words = tokens.Where(t => char.IsLetter(t[0]) || t[0] == '"').ToList();
                    if (words.Count > 0) tokens[at] = words[Random.Next(words.Count)];
                    break;
                default:
                    var lines = string.Concat(tokens).Split('\n').ToList();
                    var line = Random.Next(lines.Count);
                    if (Random.Next(2) == 0) lines.RemoveAt(line);
                    else lines.Insert(Random.Next(lines.Count), lines[line]);
                    tokens = Token().Matches(string.Join('\n', lines)).Select(m => m.Value).ToList();
                    break;
            }
        }
        return string.Concat(tokens);
    }

    /// <summary>A number that tends to break code: zero, negative, huge, or off by one.</summary>
    public long InterestingInteger(long around) => Random.Next(8) switch
    {
        0 => 0,
        1 => -1,
        2 => around + 1,
        3 => around - 1,
        4 => int.MaxValue,
        5 => 1L << 40,
        6 => long.MinValue,
        _ => around * 1000,
    };

    [GeneratedRegex("""[A-Za-z_][A-Za-z0-9_./]*|[-+.0-9][-+.0-9A-Za-z]*|"(?:[^"\\\n]|\\.)*"|\s+|.""")]
    private static partial Regex Token();
}
