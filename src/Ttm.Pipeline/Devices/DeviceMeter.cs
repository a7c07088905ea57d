namespace Ttm.Pipeline.Devices;

/// <summary>
/// The device time one generation used: each pass's seconds shared equally by the work in it (as the fair queue charges
/// its tenant), each job's whole, and its encode. It counts what ran, whether the generation then completed, failed or
/// was cancelled, so the tenant is charged for every run it caused. Safe to add to from any thread.
/// </summary>
public sealed class DeviceMeter
{
    long microseconds;

    public void Add(double seconds)
    {
        if (double.IsFinite(seconds) && seconds > 0) Interlocked.Add(ref microseconds, (long)(seconds * 1e6));
    }

    public double Seconds => Interlocked.Read(ref microseconds) / 1e6;
}
