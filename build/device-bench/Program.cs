using Ttm.Benchmarks;
using Ttm.Models;

// device-bench batching|worker|agree DEVICE [MAX_BATCH [CONCURRENCY...]]: ./ttm bench batching / bench worker as JSON,
// or whether a batched run of both stages on DEVICE ends where the CPU's does.
if (args.Length < 2 || args[0] is not ("batching" or "worker" or "agree"))
{
    Console.Error.WriteLine("usage: device-bench batching|agree DEVICE | device-bench worker DEVICE [MAX_BATCH [CONCURRENCY...]]");
    return 2;
}
var device = TorchDevices.Parse(args[1]);
if (args[0] == "agree")
    return DeviceAgreement.Check(device) ? 0 : 1;
if (args[0] == "batching")
    Console.WriteLine(BenchmarkJson.Write(new { device = device.ToString(), steps = BatchingBenchmark.Run(device, "tiny", [1, 2, 4, 8, 16, 32], 20) }));
else
    Console.WriteLine(BenchmarkJson.Write(await WorkerBenchmark.RunAsync(args[1], "tiny", 16, args.Length > 2 ? int.Parse(args[2]) : null,
        args.Length > 3 ? args.Skip(3).Select(int.Parse).ToList() : [1, 2, 4, 8, 16], Console.Error)));
return 0;
