using Ttm.Pipeline.Devices;

namespace Ttm.Pipeline.Encoding;

/// <summary>
/// CPU work outside the device (encoding with ffmpeg beside an accelerator) admitted a few at a time, waiting tenants
/// served in turn: a tenant whose many generations finish together queues behind one encode of every other tenant,
/// and the encodes never take every core from the device thread. A host owns one (<see cref="ForEncodes"/>): two hosts in
/// one process admit their encodes apart.
/// </summary>
public sealed class FairGate(int slots) : IEncodeAdmission
{
    /// <summary>A host's gate for encodes: half the cores at once.</summary>
    public static FairGate ForEncodes() => new(Environment.ProcessorCount / 2);

    readonly object gate = new();
    readonly Dictionary<string, Queue<TaskCompletionSource>> waiting = [];
    readonly LinkedList<string> turn = new();
    int free = Math.Max(1, slots);

    public int Waiting
    {
        get { lock (gate) return waiting.Values.Sum(q => q.Count); }
    }

    /// <summary>Waits for a slot in <paramref name="tenant"/>'s turn; disposing the result gives it back.</summary>
    public async Task<IDisposable> EnterAsync(string tenant, CancellationToken cancellationToken)
    {
        TaskCompletionSource admitted;
        lock (gate)
        {
            if (free > 0 && turn.Count == 0)
            {
                free--;
                return new Lease(this);
            }
            admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!waiting.TryGetValue(tenant, out var queue))
            {
                waiting[tenant] = queue = new Queue<TaskCompletionSource>();
                turn.AddLast(tenant);
            }
            queue.Enqueue(admitted);
        }
        // Cancelled first: the waiter stays queued and Release skips it. Admitted first: cancelling is a no-op.
        using (cancellationToken.Register(() => admitted.TrySetCanceled(cancellationToken)))
            await admitted.Task;
        return new Lease(this);
    }

    public async Task<T> RunAsync<T>(string tenant, WorkPriority priority, Func<Task<T>> encode, CancellationToken cancellationToken)
    {
        using var admitted = await EnterAsync(tenant, cancellationToken);
        return await encode();
    }

    void Release()
    {
        lock (gate)
        {
            while (turn.First is { } first)
            {
                var queue = waiting[first.Value];
                var next = queue.Dequeue();
                turn.RemoveFirst();
                if (queue.Count > 0) turn.AddLast(first.Value); // served: to the back of the line
                else waiting.Remove(first.Value);
                if (next.TrySetResult()) return; // a cancelled waiter is skipped
            }
            free++;
        }
    }

    sealed class Lease(FairGate owner) : IDisposable
    {
        int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) owner.Release();
        }
    }
}
