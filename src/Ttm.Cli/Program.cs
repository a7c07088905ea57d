using System.CommandLine;
using Ttm.Cli.Commands;

var root = new RootCommand("TtmCluster: Through-The-Mask image-to-video, trained on the shapes world and served by Orleans.")
{
    WorldCommand.Create(),
    TrainCommand.Create(),
    BenchCommand.Create(),
    GenerateCommand.Create(),
    ServeCommand.Create(),
    OpsCommand.Create(),
};
foreach (var command in RemoteCommands.Create()) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
