using System.CommandLine;
using System.CommandLine.Invocation;
using Calib.Cli.Commands;
using Calib.Cli.Infrastructure;
using Calib.Graph;

namespace Calib.Cli;

/// <summary>The <c>calib</c> command line: builds the command tree and maps failures to exit codes.</summary>
public static class CalibApp
{
    /// <summary>Exit code for success.</summary>
    public const int Success = 0;

    /// <summary>Exit code for bad input (a file, model, flag or data set the user must fix).</summary>
    public const int UserError = 1;

    /// <summary>Exit code for a bug in calib itself.</summary>
    public const int InternalError = 70;

    /// <summary>Runs the command line with <paramref name="args"/>, writing to the given streams.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var console = CliConsole.Create(output, error);
        var root = BuildRoot(console);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            var parse = root.Parse(args);
            // --help and --version still win over errors, as System.CommandLine decides.
            if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
            {
                error.WriteLine($"calib: error: {UsageErrors.Describe(parse)}");
                return UserError;
            }
            return parse.Invoke(configuration);
        }
        catch (CalibException e)
        {
            error.WriteLine($"calib: error: {OneLine(e.Message)}");
            return UserError;
        }
        catch (UnauthorizedAccessException e)
        {
            // The operating system refused a file calib was asked to read or write: the user's to fix.
            error.WriteLine($"calib: error: permission denied: {e.Message} Check the file's and its folder's permissions.");
            return UserError;
        }
        catch (Exception e)
        {
            error.WriteLine($"calib: internal error: {e.GetType().Name}: {e.Message}");
            error.WriteLine(Environment.GetEnvironmentVariable("CALIB_DEBUG") is "1"
                ? e.ToString()
                : "This is a bug in calib; set CALIB_DEBUG=1 to see the details, and please report them.");
            return InternalError;
        }
    }

    // Messages quote user data (a .npy header, a layer name) that may hold line breaks or control bytes;
    // the error stays one line whatever they hold.
    private static string OneLine(string message) => string.Concat(message.Select(c => c switch
    {
        '\n' or '\r' or '\t' => " ",
        _ when char.IsControl(c) => $"\\x{(int)c:X2}",
        _ => c.ToString(),
    }));

    private static RootCommand BuildRoot(CliConsole console)
    {
        var root = new RootCommand(
            "calib: post-training 8-bit quantization of ONNX and Caffe models by calibration, on ONNX Runtime.");
        root.Subcommands.Add(InspectCommand.Create(console));
        root.Subcommands.Add(RunCommand.Create(console));
        root.Subcommands.Add(ConvertCommand.Create(console));
        root.Subcommands.Add(ConfigCommand.Create(console));
        root.Subcommands.Add(RetrainCommand.Create(console));
        root.Subcommands.Add(EvalCommand.Create(console));
        root.Subcommands.Add(RistrettoCommand.Create(console));
        return root;
    }
}
