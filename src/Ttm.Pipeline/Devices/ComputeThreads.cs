using static TorchSharp.torch;

namespace Ttm.Pipeline.Devices;

/// <summary>
/// Which threads compute with how many cores. libtorch's OpenMP runtime (libgomp) keeps a team of worker
/// threads for every thread that ever ran a parallel op, and lets idle workers spin (answering the next op at
/// once) only while all teams together do not outnumber the cores; past that, every op wakes its workers
/// through the kernel. A step on a dedicated thread then cost 1.3-1.5× what it cost on a process's only
/// computing thread (measured on 2 cores). So a device thread computes with every core, and every other thread
/// (conditions, previews, checkpoints: small tensors) with one, which makes no team at all.
/// </summary>
static class ComputeThreads
{
    /// <summary>
    /// The calling thread computes with <paramref name="threads"/> cores from now on; every thread that has not
    /// yet touched libtorch will compute with one.
    /// </summary>
    public static void Claim(int threads)
    {
        get_num_threads(); // a thread takes the process default on its first use of libtorch: take it now, then override
        set_num_threads(threads);
        // set_num_threads also sets the process default; set that back to one from a thread that computes nothing.
        var reset = new Thread(() => set_num_threads(1)) { Name = "compute threads default" };
        reset.Start();
        reset.Join();
    }

    /// <summary>The calling thread computes with one core from now on.</summary>
    /// <returns>the cores it computed with before</returns>
    public static int ClaimOne()
    {
        int before = get_num_threads();
        set_num_threads(1);
        return before;
    }
}
