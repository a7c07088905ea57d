namespace Ttm.Grains;

/// <summary>
/// Why a generation failed: the caller's request (nothing ran), a silo that went away, the artifact store out of space,
/// or the server. Values are stored in event logs: append only.
/// </summary>
public enum FailureCode { Internal, InvalidArgument, Interrupted, StorageFull }

public static class FailureCodes
{
    /// <summary>As the API writes it: "invalid_argument".</summary>
    public static string Name(this FailureCode code) => code switch
    {
        FailureCode.InvalidArgument => "invalid_argument",
        FailureCode.Interrupted => "interrupted",
        FailureCode.StorageFull => "storage_full",
        _ => "internal",
    };

    /// <summary>ENOSPC's text, as the C library (and so ffmpeg, and .NET's IOException) writes it.</summary>
    const string NoSpace = "No space left on device";

    /// <summary>
    /// The code and message a run that threw fails with: the store out of space says so, whatever carried the error
    /// across silos (an Orleans call keeps the message, not always the type); anything else is the server's.
    /// </summary>
    public static (FailureCode Code, string Message) Of(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is ArtifactStoreFullException || e.Message.StartsWith(ArtifactStoreFullException.Lead, StringComparison.Ordinal))
                return (FailureCode.StorageFull, e.Message);
            // A write that is not the store's own found the volume full: the encoder's (ffmpeg prints ENOSPC's text and exits 1), a frame file's.
            if (e.Message.Contains(NoSpace, StringComparison.Ordinal))
                return (FailureCode.StorageFull, $"{ArtifactStoreFullException.Lead}: a write of the run's outputs found \"{NoSpace}\". Free space on its volume or grow it.");
        }
        return (FailureCode.Internal, error.Message);
    }
}
