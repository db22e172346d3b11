using System.CommandLine;
using Calib.Algorithms.Configuration;

namespace Calib.Cli.Infrastructure;

/// <summary>--calib-set, --batch-num and --batch-size, declared once for every command that reads calibration images.</summary>
/// <param name="calibSetRequired">Whether the command needs the images (run, retrain export) or takes them optionally (retrain import).</param>
/// <param name="calibSetDescription">What the images are for, in the command's help.</param>
internal sealed class CalibrationSetOptions(bool calibSetRequired, string calibSetDescription)
{
    // --data-dir is AMCT's name: "dirA;dirB" gives one folder per input.
    public Option<string?> CalibSet { get; } = new("--calib-set", "--data-dir") { Description = calibSetDescription, Required = calibSetRequired };

    public Option<int?> BatchNum { get; } = new("--batch-num") { Description = $"Number of calibration batches (AMCT batch_num; default: the config's, else {QuantConfig.DefaultBatchNum})." };

    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Samples per batch (default: the model's fixed batch size, else 1)." };

    public IEnumerable<Option> All => [CalibSet, BatchNum, BatchSize];
}
