using Calib.Cli;

return CalibApp.Run(args, Console.Out, Console.Error);
