using static TorchSharp.torch;

namespace Ttm.Models.Tests;

public sealed class TorchDevicesTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("cpu:0")]
    [InlineData(" CPU ")]
    public void Parse_CpuNames_GiveTheCpu(string name) =>
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchDevices.Parse(name).type);

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:0:1")]
    public void Parse_UnknownNames_SayWhatToWrite(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => TorchDevices.Parse(name));
        Assert.Contains("cuda:N", error.Message);
    }

    [Fact]
    public void Parse_Cuda_EitherFindsTheDeviceOrSaysWhyNot()
    {
        // This build carries libtorch-cpu: on a machine without the CUDA backend the error names the device, and the CPU keeps working.
        try
        {
            var device = TorchDevices.Parse("cuda:0");
            Assert.Equal(TorchSharp.DeviceType.CUDA, device.type);
        }
        catch (InvalidOperationException error)
        {
            Assert.Contains("cuda:0", error.Message);
        }
        using var a = tensor(new float[] { 1, 2 });
        Assert.Equal(3f, a.sum().item<float>());
    }
}
