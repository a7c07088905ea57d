using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// gpu-check.json from what run.sh left in its folder: <c>parts.tsv</c> (a line per part: name, status, seconds, budget
/// seconds, exit code), each part's <c>NAME.json</c> (kept whole when it parses; a part that failed keeps its log's last
/// lines instead) and <c>environment.tsv</c> (name, value). The check passed when every part's status is ok.
/// </summary>
static class CheckSummary
{
    public static JsonObject Build(string folder)
    {
        var parts = new JsonArray();
        double total = 0;
        bool passed = true;
        foreach (var line in File.ReadLines(Path.Combine(folder, "parts.tsv")).Where(l => l.Length > 0))
        {
            var f = line.Split('\t');
            if (f.Length < 5) throw new FormatException($"parts.tsv: a line needs name, status, seconds, budget and exit code, not '{line}'.");
            var (name, status, seconds) = (f[0], f[1], double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture));
            total += seconds;
            passed &= status == "ok";
            var part = new JsonObject
            {
                ["name"] = name, ["status"] = status, ["seconds"] = Math.Round(seconds, 1),
                ["budget_seconds"] = int.Parse(f[3]), ["exit_code"] = int.Parse(f[4]), ["result"] = Result(Path.Combine(folder, name + ".json")),
            };
            if (status != "ok") part["log_tail"] = LogTail(Path.Combine(folder, name + ".log"));
            parts.Add(part);
        }
        var environment = new JsonObject();
        var environmentFile = Path.Combine(folder, "environment.tsv");
        if (File.Exists(environmentFile))
            foreach (var f in File.ReadLines(environmentFile).Select(l => l.Split('\t', 2)).Where(f => f.Length == 2))
                environment[f[0]] = f[1];
        return new JsonObject
        {
            ["passed"] = passed, ["seconds"] = Math.Round(total, 1), ["environment"] = environment, ["parts"] = parts,
        };
    }

    /// <summary>The part's JSON, or null when it wrote none or something that does not parse.</summary>
    static JsonNode? Result(string file)
    {
        if (!File.Exists(file)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(file));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static string LogTail(string file) => File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(15)) : "";

    public static string Write(JsonObject summary) => summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Ports nothing listens on now (each bound once to port 0 and released; all held until all are chosen, so distinct).</summary>
    public static IReadOnlyList<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
