namespace Ttm.Models.Sampling;

/// <summary>Flow-matching time grids. Time t runs from 0 (pure noise) to 1 (data); x_t = t·x_data + (1 − t)·noise.</summary>
public static class FlowSchedule
{
    /// <summary>
    /// MovieGen's linear-quadratic schedule: the first half of the steps are small linear steps over the
    /// first <paramref name="thresholdNoise"/> of the noise range, the rest follow a quadratic to t = 1.
    /// </summary>
    /// <returns>steps + 1 ascending times, first 0, last 1</returns>
    public static float[] LinearQuadratic(int steps, double thresholdNoise = 0.025, int? linearSteps = null)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "At least one sampling step is needed.");
        if (steps == 1) return [0f, 1f];
        int linear = linearSteps ?? steps / 2;
        int quadratic = steps - linear;
        // Noise levels σ from 0 upwards (as in the reference), then t = 1 − σ reversed to ascend in t.
        var sigma = new double[steps + 1];
        for (int i = 0; i < linear; i++) sigma[i] = i * thresholdNoise / linear;
        double stepDiff = linear - thresholdNoise * steps;
        double quadraticCoef = stepDiff / (linear * (double)quadratic * quadratic);
        double linearCoef = thresholdNoise / linear - 2 * stepDiff / ((double)quadratic * quadratic);
        double constant = quadraticCoef * linear * linear;
        for (int i = linear; i < steps; i++) sigma[i] = quadraticCoef * i * i + linearCoef * i + constant;
        sigma[steps] = 1.0;
        // σ here is "how far from noise"; MovieGen's list is 1 − σ as noise level, i.e. our t = σ.
        return sigma.Select(s => (float)s).ToArray();
    }
}
