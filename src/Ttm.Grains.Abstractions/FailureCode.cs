namespace Ttm.Grains;

/// <summary>Why a generation failed: the caller's request (nothing ran), a silo that went away, or the server.</summary>
public enum FailureCode { Internal, InvalidArgument, Interrupted }

public static class FailureCodes
{
    /// <summary>As the API writes it: "invalid_argument".</summary>
    public static string Name(this FailureCode code) => code switch
    {
        FailureCode.InvalidArgument => "invalid_argument",
        FailureCode.Interrupted => "interrupted",
        _ => "internal",
    };
}
