using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Torch_FromCleanBuild_InitialisesAndComputes()
    {
        // Loading libLibTorchSharp.so fails on Debian 12 unless the build weakened its GLIBCXX_3.4.32 need.
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = a * a;
        Assert.Equal(new float[] { 1, 4, 9 }, b.data<float>().ToArray());
    }
}
