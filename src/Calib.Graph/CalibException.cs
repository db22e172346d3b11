namespace Calib.Graph;

/// <summary>
/// An error caused by the user's input (a file, a model, a flag), not by a bug in calib.
/// The message is shown to the user as it is: it names the file or layer at fault and
/// says what to do about it. The command line prints it without a stack trace.
/// </summary>
public class CalibException : Exception
{
    /// <summary>Creates an error with a user-facing message.</summary>
    public CalibException(string message) : base(message) { }

    /// <summary>Creates an error with a user-facing message and the lower-level cause.</summary>
    public CalibException(string message, Exception inner) : base(message, inner) { }
}
