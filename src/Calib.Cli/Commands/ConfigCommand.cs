using System.CommandLine;
using Calib.Algorithms.Configuration;
using Calib.Algorithms.Preparation;
using Calib.Cli.Infrastructure;
using Calib.Graph.IO;
using Spectre.Console;

namespace Calib.Cli.Commands;

/// <summary><c>calib config init</c>: writes AMCT's detailed JSON configuration listing every quantizable layer.</summary>
internal static class ConfigCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("config", "Quantization configuration files.");
        command.Subcommands.Add(Init(console));
        return command;
    }

    private static Command Init(CliConsole console)
    {
        var model = new ModelOptions();
        var simple = new Option<string?>("--simple-config") { Description = "Expand AMCT's simplified .cfg into the detailed JSON." };
        var batchNum = new Option<int?>("--batch-num") { Description = "batch_num to write." };
        var output = new Option<string>("--output", "-o") { Description = "The JSON file to write.", Required = true }.NamesFile();
        var command = new Command("init", "Write the detailed JSON config (AMCT create_quant_config): every quantizable layer with its settings, ready to edit.");
        foreach (var option in model.All.Concat<Option>([simple, batchNum, output])) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var config = PreparedModel.Load(model.Source(parse), new PreparationSettings
            {
                ConfigPath = parse.GetValue(simple),
                Overrides = new SettingOverrides { BatchNum = parse.GetValue(batchNum) },
            }, console.Warn).Config;
            var path = parse.GetValue(output)!;
            AtomicFile.WriteAllText(path, config.ToJson());
            var disabled = config.Layers.Count(l => !l.Value.QuantEnable);
            console.Output.WriteLine($"Wrote {path}: {config.Layers.Count} quantizable layers{(disabled > 0 ? $", {disabled} disabled" : "")}.");
            return CalibApp.Success;
        });
        return command;
    }
}
