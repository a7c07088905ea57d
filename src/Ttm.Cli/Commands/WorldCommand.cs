using System.CommandLine;
using Ttm.Training.World;

namespace Ttm.Cli.Commands;

/// <summary><c>./ttm world --out DIR --count N --seed S [--split single|multi|mixed] [--phrasing held-out]</c>: writes case folders.</summary>
static class WorldCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write one case folder per case into", Required = true };
        var count = new Option<int>("--count") { Description = "How many cases", DefaultValueFactory = _ => 16 };
        var seed = new Option<long>("--seed") { Description = "Seed of the first case (case i uses seed + i)", DefaultValueFactory = _ => 1 };
        var split = new Option<WorldSplit>("--split") { Description = "single, multi or mixed object counts", DefaultValueFactory = _ => WorldSplit.Mixed };
        var frames = new Option<bool>("--frames") { Description = "Also write the true frames and masks as PNGs" };
        var size = new Option<int>("--size") { Description = "Frame width and height in pixels", DefaultValueFactory = _ => 32 };
        var phrasing = new Option<string>("--phrasing") { Description = "canonical (the world's own captions), training or held-out (the paraphrase suite's words)", DefaultValueFactory = _ => "canonical" };
        phrasing.AcceptOnlyFromAmong("canonical", "training", "held-out");
        var command = new Command("world", "Generate shapes-world cases (image.png, prompt.txt, truth.json) with known truth") { output, count, seed, split, frames, size, phrasing };
        command.SetAction(result =>
        {
            var world = new ShapesWorld(8, result.GetValue(size), result.GetValue(size));
            var directory = result.GetValue(output)!;
            long first = result.GetValue(seed);
            int n = result.GetValue(count);
            for (int i = 0; i < n; i++)
            {
                var worldCase = world.Generate(first + i, result.GetValue(split));
                if (result.GetValue(phrasing) is var words && words != "canonical")
                    worldCase = new Phrasing(words == "held-out" ? PhrasingLexicon.HeldOut : PhrasingLexicon.Training).Reword(worldCase, new Random((int)(first + i)));
                CaseFolder.Write(worldCase, Path.Combine(directory.FullName, $"case-{first + i:D6}"), result.GetValue(frames));
            }
            Console.WriteLine($"wrote {n} cases to {directory.FullName}");
        });
        return command;
    }
}
