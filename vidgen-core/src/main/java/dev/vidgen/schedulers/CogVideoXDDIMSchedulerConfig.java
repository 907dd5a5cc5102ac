package dev.vidgen.schedulers;

import dev.vidgen.weights.JsonConfig;

/**
 * The constructor arguments of diffusers' {@code CogVideoXDDIMScheduler} (v0.32.2), read from
 * {@code scheduler_config.json} with its {@code __init__} defaults. {@code clip_sample}, {@code clip_sample_range}
 * and {@code sample_max_value} are accepted and, as in diffusers, unused by {@code step}.
 */
public record CogVideoXDDIMSchedulerConfig(
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    BetaSchedule betaSchedule,
    double[] trainedBetas,
    boolean clipSample,
    boolean setAlphaToOne,
    int stepsOffset,
    PredictionType predictionType,
    double clipSampleRange,
    double sampleMaxValue,
    TimestepSpacing timestepSpacing,
    boolean rescaleBetasZeroSnr,
    double snrShiftScale) {

  public CogVideoXDDIMSchedulerConfig {
    trainedBetas = ConfigFields.copy(trainedBetas);
  }

  @Override
  public double[] trainedBetas() {
    return ConfigFields.copy(trainedBetas);
  }

  public static CogVideoXDDIMSchedulerConfig parse(JsonConfig c) {
    return new CogVideoXDDIMSchedulerConfig(
        ConfigFields.numTrainTimesteps(c),
        c.getDouble("beta_start", 0.00085),
        c.getDouble("beta_end", 0.0120),
        c.getEnum("beta_schedule", BetaSchedule.class, BetaSchedule.SCALED_LINEAR),
        c.getDoubleArray("trained_betas", null),
        c.getBool("clip_sample", true),
        c.getBool("set_alpha_to_one", true),
        c.getInt("steps_offset", 0),
        ConfigFields.predictionType(c, "CogVideoXDDIMScheduler", PredictionType.EPSILON, PredictionType.EPSILON,
            PredictionType.SAMPLE, PredictionType.V_PREDICTION),
        c.getDouble("clip_sample_range", 1.0),
        c.getDouble("sample_max_value", 1.0),
        c.getEnum("timestep_spacing", TimestepSpacing.class, TimestepSpacing.LEADING),
        c.getBool("rescale_betas_zero_snr", false),
        c.getDouble("snr_shift_scale", 3.0));
  }
}
