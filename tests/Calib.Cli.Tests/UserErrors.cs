namespace Calib.Cli.Tests;

/// <summary>
/// How bad input must end (the developers' guide): exit code 1 and one line, <c>calib: error: …</c>, naming what is
/// wrong and the fix, with no stack trace.
/// </summary>
internal static class UserErrors
{
    /// <summary>Asserts that <paramref name="result"/> is one clear user error whose line holds every one of <paramref name="parts"/>.</summary>
    public static void AssertOne(CliRunner.Outcome result, params string[] parts)
    {
        Assert.AreEqual(CalibApp.UserError, result.ExitCode, result.Output + result.Error);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, result.Error);
        StringAssert.StartsWith(lines[0], "calib: error: ");
        foreach (var part in parts) StringAssert.Contains(lines[0], part);
        Assert.IsFalse(result.Error.Contains("   at ", StringComparison.Ordinal), "stack trace printed");
    }

    /// <summary>As <see cref="AssertOne"/>, and nothing printed on the standard output either (the command failed before doing anything).</summary>
    public static void AssertOneAndNothingElse(CliRunner.Outcome result, params string[] parts)
    {
        AssertOne(result, parts);
        Assert.AreEqual("", result.Output);
    }
}
