using System.Runtime.InteropServices;

namespace Ttm.Models;

/// <summary>
/// TorchSharp 0.107 turns numbers into native scalars implicitly (every <c>a + b</c> passes alpha = 1 as one, <c>x * 0.5f</c>
/// its factor) and leaves each to its finalizer, and nothing keeps the scalar alive while libtorch reads it: a collection
/// started by another thread in that moment lets the finalizer free it under the running operation, and libtorch finds a
/// scalar of no type ("Unknown scalar type", or toFloat's check, both raised in c10/core/Scalar.h). Dispose scopes do not
/// hold scalars. Seen in a served generation and once in the training tests; reproduced with back-to-back collections on a
/// second thread (docs/benchmarks.md, Speed and memory). This recognises that failure, so that work which met it and changed nothing
/// can run once more.
/// </summary>
public static class LibtorchScalars
{
    /// <summary>What the work inside <see cref="WithoutCollections"/> may allocate (all threads together) before a collection runs anyway.</summary>
    const long NoCollectionBytes = 32 << 20;

    static readonly Lock noCollections = new();

    /// <summary>
    /// Runs <paramref name="work"/> with the garbage collector held off (.NET's no-GC region), so no finalizer frees a scalar
    /// that libtorch is reading: for short work full of implicit scalars whose inputs it changes in place (an optimizer's
    /// step, an EMA update), which <see cref="RunOnceMore"/> cannot run again. One region at a time in the process; where
    /// the runtime cannot hold collections off, or the work and the other threads allocate past the budget, the work runs
    /// as it would have.
    /// </summary>
    public static void WithoutCollections(Action work)
    {
        lock (noCollections)
        {
            bool held = false;
            try
            {
                held = GC.TryStartNoGCRegion(NoCollectionBytes);
            }
            catch (InvalidOperationException) { } // a region already in progress (not ours: we hold the lock)
            try
            {
                work();
            }
            finally
            {
                if (held && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                    try { GC.EndNoGCRegion(); } catch (InvalidOperationException) { } // the budget ran out: a collection ended it
            }
        }
    }

    /// <summary>Whether libtorch failed reading a scalar (its checks in c10/core/Scalar.h), as a freed one makes it.</summary>
    public static bool WasCorrupt(ExternalException e) => e.Message.Contains("c10/core/Scalar.h", StringComparison.Ordinal);

    /// <summary>
    /// Runs <paramref name="work"/>; when it fails on a corrupt scalar and <paramref name="unchanged"/> says it left its
    /// inputs as they were, runs it once more (<paramref name="retrying"/> is told). Any other failure, or a second one, is the caller's.
    /// </summary>
    public static T RunOnceMore<T>(Func<T> work, Func<bool> unchanged, Action? retrying = null)
    {
        try
        {
            return work();
        }
        catch (ExternalException e) when (WasCorrupt(e) && unchanged())
        {
            retrying?.Invoke();
            return work();
        }
    }
}
