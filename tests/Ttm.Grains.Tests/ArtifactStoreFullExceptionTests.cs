using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Ttm.Grains.Tests;

/// <summary>
/// A full store met on an accelerator fails a generation whose grain lives on another silo: the exception crosses the
/// silos in Orleans' serialization. Without a codec of its own it arrived as "Could not find a codec", code internal
/// and with one, as "Could not find a base type copier for type System.IO.IOException" (`./ttm bench chaos`, disk-full);
/// it must arrive whole, so the generation fails with storage_full and the message.
/// </summary>
public sealed class ArtifactStoreFullExceptionTests
{
    [Fact]
    public void ArtifactStoreFull_CrossesASilo_AsItself()
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(ArtifactStoreFullException).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        Exception sent = new ArtifactStoreFullException("gen-1/previews/motion-003.png", 5_586, new IOException("No space left on device", 28));

        var received = serializer.Deserialize<Exception>(serializer.SerializeToArray(sent));

        Assert.IsType<ArtifactStoreFullException>(received);
        Assert.Equal(sent.Message, received.Message);
        Assert.Equal(FailureCode.StorageFull, FailureCodes.Of(received).Code);
        // A call within one silo copies its result instead (an Orleans deep copy): that must not fail either.
        Assert.Equal(sent.Message, services.GetRequiredService<DeepCopier>().Copy(sent).Message);
    }
}
