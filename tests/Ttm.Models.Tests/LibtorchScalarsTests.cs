using System.Runtime.InteropServices;

namespace Ttm.Models.Tests;

public sealed class LibtorchScalarsTests
{
    // libtorch's own messages when it read a scalar TorchSharp's finalizer had freed (the first lines, as TorchSharp throws them).
    const string UnknownType = "Unknown scalar type.\nException raised from type at /pytorch/c10/core/Scalar.h:339 (most recent call first):";
    const string ToFloat = "Expected false to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)\nException raised from toFloat at /pytorch/c10/core/Scalar.h:140 (most recent call first):";

    [Theory]
    [InlineData(UnknownType)]
    [InlineData(ToFloat)]
    public void WorkThatMetAFreedScalar_AndChangedNothing_RunsOnceMore(string message)
    {
        int runs = 0, retries = 0;
        int result = LibtorchScalars.RunOnceMore(() => ++runs == 1 ? throw new ExternalException(message) : 42, unchanged: () => true, retrying: () => retries++);
        Assert.Equal((42, 2, 1), (result, runs, retries));
    }

    [Fact]
    public void WorkThatChangedSomething_OrFailedOtherwise_OrTwice_FailsAsItDid()
    {
        int runs = 0;
        var changed = Assert.Throws<ExternalException>(() => LibtorchScalars.RunOnceMore<int>(() => { runs++; throw new ExternalException(UnknownType); }, unchanged: () => false));
        Assert.Contains("Unknown scalar type", changed.Message);
        Assert.Equal(1, runs);

        runs = 0;
        var shape = "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1\nException raised from infer_size_impl at /pytorch/aten/src/ATen/ExpandUtils.cpp:31";
        Assert.Throws<ExternalException>(() => LibtorchScalars.RunOnceMore<int>(() => { runs++; throw new ExternalException(shape); }, unchanged: () => true));
        Assert.Equal(1, runs);

        runs = 0;
        Assert.Throws<ExternalException>(() => LibtorchScalars.RunOnceMore<int>(() => { runs++; throw new ExternalException(ToFloat); }, unchanged: () => true));
        Assert.Equal(2, runs);

        Assert.Throws<InvalidOperationException>(() => LibtorchScalars.RunOnceMore<int>(() => throw new InvalidOperationException(), unchanged: () => true));
    }
}
