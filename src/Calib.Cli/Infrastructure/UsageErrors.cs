using System.CommandLine;
using System.CommandLine.Parsing;

namespace Calib.Cli.Infrastructure;

/// <summary>
/// Turns System.CommandLine's parse errors into calib's one-line form: the option, what it expects,
/// and where to read more. Its own report (a .NET type name, then the whole help) buries the one
/// thing the user got wrong.
/// </summary>
internal static class UsageErrors
{
    /// <summary>One line describing the first parse error of <paramref name="parse"/>, ending with a --help hint.</summary>
    public static string Describe(ParseResult parse)
    {
        var error = parse.Errors[0];
        var command = CommandPath(parse.CommandResult);
        var option = error.SymbolResult as OptionResult ?? (error.SymbolResult as ArgumentResult)?.Parent as OptionResult;
        var problem = option switch
        {
            not null when option.Tokens.Count > 0 && IsConversion(error) =>
                $"{option.Option.Name} expects {Expected(option.Option.ValueType)}; got '{string.Join(" ", option.Tokens.Select(t => t.Value))}'.",
            not null when option.Tokens.Count == 0 && !option.Implicit =>
                $"{option.Option.Name} expects {Expected(option.Option.ValueType)} after it.",
            _ when parse.UnmatchedTokens.Count > 0 =>
                $"'{parse.UnmatchedTokens[0]}' is not an option or argument of '{command}'.",
            _ when parse.CommandResult.Command.Subcommands.Count > 0 && parse.CommandResult.Command.Action is null =>
                $"'{command}' needs a command: {string.Join(", ", parse.CommandResult.Command.Subcommands.Select(c => c.Name))}.",
            _ => error.Message.TrimEnd('.') + ".",
        };
        return $"{problem} Run '{command} --help' for its options.";
    }

    // Conversion failures are the only errors whose message names the target .NET type.
    private static bool IsConversion(ParseError error) => error.Message.Contains("as expected type", StringComparison.Ordinal);

    private static string Expected(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "a whole number",
        var t when t == typeof(double) || t == typeof(float) => "a number",
        var t when t == typeof(bool) => "true or false",
        var t when t.IsEnum => $"one of {string.Join(", ", Enum.GetNames(t).Select(n => n.ToLowerInvariant()))}",
        _ => "a value",
    };

    // "calib run", "calib retrain export": the root's own name is the executable's (testhost under tests).
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? at = result; at is CommandResult { Parent: not null } command; at = command.Parent)
            names.Insert(0, command.Command.Name);
        return string.Join(" ", ["calib", .. names]);
    }
}
