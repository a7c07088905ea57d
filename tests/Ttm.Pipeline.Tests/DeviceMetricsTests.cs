using System.Diagnostics.Metrics;
using Ttm.Pipeline.Devices;

namespace Ttm.Pipeline.Tests;

/// <summary>Two hosts in one process keep their device instruments apart: each host's workers report on its own meter.</summary>
public sealed class DeviceMetricsTests
{
    sealed class HostMeters : IMeterFactory
    {
        readonly List<Meter> meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            meters.Add(meter);
            return meter;
        }

        public void Dispose() => meters.ForEach(m => m.Dispose());
    }

    [Fact]
    public void EachHostsQueueDepth_ListsOnlyItsOwnWorkers()
    {
        using var hostA = new HostMeters();
        using var hostB = new HostMeters();
        using var metricsA = new DeviceMetrics(hostA);
        using var metricsB = new DeviceMetrics(hostB);
        using var a = new DeviceWorker("cpu:0", threads: 1, metrics: metricsA);
        using var aSegmenter = new DeviceWorker("cpu:0/segmenter", maxBatch: 1, threads: 0, metrics: metricsA);
        using var b = new DeviceWorker("sim:h100", threads: 1, metrics: metricsB);

        var seen = new List<(object? Host, string Device)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DeviceMetrics.MeterName && instrument.Name == "ttm.device.queue.depth") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((instrument, _, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "device") seen.Add((instrument.Meter.Scope, (string)tag.Value!));
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(["cpu:0", "cpu:0/segmenter"], seen.Where(s => s.Host == hostA).Select(s => s.Device).Order());
        Assert.Equal(["sim:h100"], seen.Where(s => s.Host == hostB).Select(s => s.Device));
        Assert.Same(metricsA, a.Metrics);
    }
}
