using System.Text.Json;
using Ttm.Benchmarks;
using Ttm.Models.Simulation;
using Ttm.Silo.Telemetry;

// gpu-check forward libtorch|onnx DEVICE [REPEATS]: agreement with libtorch on the CPU, then batching at 1/8/32 requests.
// gpu-check nvml: what NVML reads now (on a machine without a driver: why it reads nothing, exit 0).
// gpu-check cost-model FORWARD_JSON...: those batching times against the simulated H100's curve, per point.
// gpu-check summary OUT_DIR: gpu-check.json from the parts run.sh ran (CheckSummary); gpu-check free-ports N: N free loopback ports.
// Each writes JSON to stdout; build/gpu-check/run.sh runs them in order.
const string Usage = "usage: gpu-check forward libtorch|onnx DEVICE [REPEATS] | gpu-check nvml | gpu-check cost-model FORWARD_JSON... | gpu-check summary OUT_DIR | gpu-check free-ports N";
switch (args)
{
    case ["forward", "libtorch" or "onnx", var device, ..]:
        var report = ForwardCheck.Run(args[1], device, [1, 8, 32], args.Length > 3 ? int.Parse(args[3]) : 10);
        Console.WriteLine(BenchmarkJson.Write(report));
        return report.Agree ? 0 : 1;
    case ["nvml"]:
        var nvml = Nvml.Open();
        Console.WriteLine(BenchmarkJson.Write(new { nvml.Status, nvml.Available, Gpus = nvml.Read() }));
        return 0;
    case ["cost-model", .. var files] when files.Length > 0:
        var measured = files.SelectMany(file =>
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            string backend = json.RootElement.TryGetProperty("backend", out var b) ? b.GetString()! : Path.GetFileNameWithoutExtension(file);
            return json.RootElement.GetProperty("steps").EnumerateArray().Select(s => (backend, s.GetProperty("stage").GetString()!,
                s.GetProperty("requests").GetInt32(), s.GetProperty("rows").GetInt32(), s.GetProperty("milliseconds_median").GetDouble())).ToList();
        });
        Console.WriteLine(BenchmarkJson.Write(CostModelComparison.Compare(DeviceCostModel.H100, measured)));
        return 0;
    case ["summary", var folder]:
        var summary = CheckSummary.Build(folder);
        Console.WriteLine(CheckSummary.Write(summary));
        return summary["passed"]!.GetValue<bool>() ? 0 : 1;
    case ["free-ports", var count]:
        Console.WriteLine(string.Join(' ', CheckSummary.FreePorts(int.Parse(count))));
        return 0;
    default:
        Console.Error.WriteLine(Usage);
        return 2;
}
