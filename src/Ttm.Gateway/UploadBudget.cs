using Ttm.Grains;

namespace Ttm.Gateway;

/// <summary>
/// Bytes of uploaded images one gateway holds while it admits and stores them, across every call of both front doors: a
/// request whose image would take it past <see cref="GenerationLimits.MaxUploadBytesHeld"/> is refused at once
/// (RESOURCE_EXHAUSTED with a retry-after) instead of queueing in memory, so a flood of 32 MB uploads cannot exhaust a
/// gateway (the Kubernetes overlay gives it 1 GiB).
/// </summary>
public sealed class UploadBudget(long bytes = GenerationLimits.MaxUploadBytesHeld)
{
    long held;

    public long Held => Interlocked.Read(ref held);

    /// <summary>Holds <paramref name="size"/> bytes until the result is disposed.</summary>
    public IDisposable Take(long size)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref held);
            if (current > 0 && current + size > bytes) // one upload alone always fits
                throw GenerationErrors.Exhausted("gateway uploads",
                    $"This gateway holds {current / (1024 * 1024)} MB of uploads being stored, its limit is {bytes / (1024 * 1024)} MB; retry in a moment.",
                    TimeSpan.FromSeconds(1));
        } while (Interlocked.CompareExchange(ref held, current + size, current) != current); // never past the budget, even for a moment
        return new Release(this, size);
    }

    sealed class Release(UploadBudget budget, long size) : IDisposable
    {
        int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) Interlocked.Add(ref budget.held, -size);
        }
    }
}
