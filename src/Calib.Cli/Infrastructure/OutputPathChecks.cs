using System.CommandLine;
using System.CommandLine.Parsing;

namespace Calib.Cli.Infrastructure;

/// <summary>
/// Parse-time checks of the paths calib writes to, so that a path that can never be written (empty,
/// a folder where a file is wanted, a file where a folder is wanted, under a file) is a usage error
/// before any work, not a .NET exception after it.
/// </summary>
internal static class OutputPathChecks
{
    /// <summary>The option names an output folder (created when missing).</summary>
    public static T NamesFolder<T>(this T option) where T : Option
    {
        option.Validators.Add(result => Check(result, option.Name, wantFolder: true));
        return option;
    }

    /// <summary>The option names an output file (its folder is created when missing).</summary>
    public static T NamesFile<T>(this T option) where T : Option
    {
        option.Validators.Add(result => Check(result, option.Name, wantFolder: false));
        return option;
    }

    private static void Check(OptionResult result, string name, bool wantFolder)
    {
        if (result.Tokens.Count == 0) return;
        var path = result.Tokens[^1].Value;
        if (Problem(path, wantFolder) is { } problem) result.AddError($"{name} '{path}' {problem}");
    }

    private static string? Problem(string path, bool wantFolder)
    {
        if (string.IsNullOrWhiteSpace(path)) return $"is empty: give the {(wantFolder ? "folder" : "file")} to write.";
        if (path.Contains('\0')) return "contains a NUL character.";
        if (wantFolder && File.Exists(path)) return "is a file, not a folder: give a folder for the outputs.";
        if (!wantFolder && Directory.Exists(path))
            return $"is a folder: give the file to write, e.g. '{Path.Combine(path, "model.onnx")}'.";
        // Folders are created as needed, which fails under a file.
        for (var parent = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent)) return $"cannot be created: '{parent}' is a file, not a folder.";
            if (Directory.Exists(parent)) return null;
        }
        return null;
    }
}
