namespace Ttm.Models.Sampling;

/// <summary>
/// The U-Net's discrete diffusion schedule: x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε over <see cref="TrainSteps"/> timesteps, from
/// Stable Diffusion's scaled-linear betas, optionally rescaled to zero terminal SNR (Lin et al. 2024, Algorithm 1: shift
/// and scale √ᾱ so that √ᾱ_0 keeps its value and √ᾱ_{T−1} becomes exactly 0, so the last timestep is pure noise and the
/// network learns to make a video from noise alone, as sampling asks it to). Immutable: every request reads the same one.
/// </summary>
public sealed class DiffusionSchedule
{
    /// <summary>Timesteps t = 0 … T − 1 of training (T = 1000).</summary>
    public const int TrainSteps = 1000;

    readonly double[] alphaBar;

    DiffusionSchedule(double[] alphaBar, bool zeroTerminalSnr)
    {
        this.alphaBar = alphaBar;
        ZeroTerminalSnr = zeroTerminalSnr;
    }

    public bool ZeroTerminalSnr { get; }

    /// <summary>
    /// Stable Diffusion's betas, β_t = (√β_start + t·(√β_end − √β_start)/(T − 1))², ᾱ_t = Π_{s ≤ t}(1 − β_s); with
    /// <paramref name="zeroTerminalSnr"/>, √ᾱ rescaled so ᾱ_{T−1} = 0.
    /// </summary>
    public static DiffusionSchedule ScaledLinear(bool zeroTerminalSnr, double betaStart = 0.00085, double betaEnd = 0.012)
    {
        var alphaBar = new double[TrainSteps];
        double product = 1;
        for (int t = 0; t < TrainSteps; t++)
        {
            double rootBeta = Math.Sqrt(betaStart) + t * (Math.Sqrt(betaEnd) - Math.Sqrt(betaStart)) / (TrainSteps - 1);
            product *= 1 - rootBeta * rootBeta;
            alphaBar[t] = product;
        }
        if (zeroTerminalSnr)
        {
            double first = Math.Sqrt(alphaBar[0]), last = Math.Sqrt(alphaBar[^1]);
            for (int t = 0; t < TrainSteps; t++)
            {
                double root = (Math.Sqrt(alphaBar[t]) - last) * first / (first - last); // √ᾱ_0 kept, √ᾱ_{T−1} → 0
                alphaBar[t] = root * root;
            }
        }
        return new DiffusionSchedule(alphaBar, zeroTerminalSnr);
    }

    /// <summary>The schedule a U-Net config was trained on.</summary>
    public static DiffusionSchedule For(TtmConfig config) => ScaledLinear(config.ZeroTerminalSnr);

    /// <summary>ᾱ_t; timestep −1 is the clean sample (ᾱ = 1, DDIM's final "previous" timestep).</summary>
    public double AlphaBar(int timestep) => timestep < 0 ? 1.0 : alphaBar[timestep];

    /// <summary>Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t); 0 at the last timestep under zero terminal SNR.</summary>
    public double Snr(int timestep) => AlphaBar(timestep) / (1 - AlphaBar(timestep));

    /// <summary>
    /// Trailing timesteps (Lin et al. 2024, diffusers' "trailing" spacing): round(T − i·T/steps) − 1 for i = 0 … steps − 1,
    /// so sampling starts at the last timestep T − 1, where zero terminal SNR puts pure noise; then −1, the clean sample.
    /// </summary>
    /// <returns>steps + 1 descending timesteps, first T − 1, last −1</returns>
    public static int[] TrailingTimesteps(int steps)
    {
        if (steps < 1 || steps > TrainSteps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"DDIM takes 1 to {TrainSteps} steps.");
        var timesteps = new int[steps + 1];
        for (int i = 0; i < steps; i++)
            timesteps[i] = (int)Math.Round(TrainSteps - i * (double)TrainSteps / steps, MidpointRounding.ToEven) - 1;
        timesteps[steps] = -1;
        return timesteps;
    }
}
