using Microsoft.Extensions.Options;

namespace Ttm.Gateway;

/// <summary>Options that say what is wrong with them (a Problem() of their own): validated at start, failing with that message.</summary>
public static class OptionsProblems
{
    public static OptionsBuilder<T> ValidateProblems<T>(this OptionsBuilder<T> builder, Func<T, string?> problem) where T : class
    {
        builder.Services.AddSingleton<IValidateOptions<T>>(new Validator<T>(problem));
        return builder.ValidateOnStart();
    }

    sealed class Validator<T>(Func<T, string?> problem) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) => problem(options) is { } p ? ValidateOptionsResult.Fail(p) : ValidateOptionsResult.Success;
    }
}
