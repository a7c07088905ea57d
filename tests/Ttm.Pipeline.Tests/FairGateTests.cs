using Ttm.Pipeline.Encoding;

namespace Ttm.Pipeline.Tests;

public sealed class FairGateTests
{
    [Fact]
    public async Task WaitingTenants_AreAdmittedInTurn_NotInArrivalOrder()
    {
        var gate = new FairGate(1);
        var holder = await gate.EnterAsync("flood", CancellationToken.None);
        var order = new List<string>();
        var waits = new List<Task>();
        foreach (var tenant in new[] { "flood", "flood", "flood", "small" })
            waits.Add(Admit(gate, tenant, order));
        Assert.Equal(4, gate.Waiting);
        holder.Dispose();
        await Task.WhenAll(waits);
        Assert.Equal("small", order[1]); // right after one of the flood's, not after all three
    }

    [Fact]
    public async Task ACancelledWaiter_LeavesTheLine_AndTheSlotGoesToTheNext()
    {
        var gate = new FairGate(1);
        var holder = await gate.EnterAsync("a", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.EnterAsync("b", cancel.Token);
        var next = gate.EnterAsync("c", CancellationToken.None);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        holder.Dispose();
        using var lease = await next.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, gate.Waiting);
    }

    static async Task Admit(FairGate gate, string tenant, List<string> order)
    {
        using var lease = await gate.EnterAsync(tenant, CancellationToken.None);
        lock (order) order.Add(tenant);
        await Task.Delay(20);
    }
}
