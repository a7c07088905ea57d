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
    TenantsCommand.Create(),
};
foreach (var command in RemoteCommands.Create().Concat(HostCommands.Create())) root.Subcommands.Add(command);
// SIGTERM and Ctrl-C cancel the running verb; a silo then drains (its stages checkpoint and continue elsewhere),
// which takes longer than System.CommandLine's default two seconds of grace.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
