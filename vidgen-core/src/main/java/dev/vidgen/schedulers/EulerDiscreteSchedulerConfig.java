package dev.vidgen.schedulers;

import dev.vidgen.weights.ConfigEnum;
import dev.vidgen.weights.JsonConfig;

/**
 * The constructor arguments of diffusers' {@code EulerDiscreteScheduler} (v0.32.2), read from
 * {@code scheduler_config.json} with its {@code __init__} defaults. SVD's EDM setup is {@code v_prediction},
 * {@code use_karras_sigmas}, {@code sigma_min}/{@code sigma_max}, {@code timestep_type: continuous}.
 */
public record EulerDiscreteSchedulerConfig(
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    BetaSchedule betaSchedule,
    double[] trainedBetas,
    PredictionType predictionType,
    InterpolationType interpolationType,
    boolean useKarrasSigmas,
    boolean useExponentialSigmas,
    boolean useBetaSigmas,
    Double sigmaMin,
    Double sigmaMax,
    TimestepSpacing timestepSpacing,
    TimestepType timestepType,
    int stepsOffset,
    boolean rescaleBetasZeroSnr,
    FinalSigmasType finalSigmasType) {

  /** {@code interpolation_type}: how sigmas between training timesteps are found. */
  public enum InterpolationType implements ConfigEnum {
    LINEAR("linear"),
    LOG_LINEAR("log_linear");

    private final String jsonName;

    InterpolationType(String jsonName) {
      this.jsonName = jsonName;
    }

    @Override
    public String jsonName() {
      return jsonName;
    }
  }

  /** {@code timestep_type}: {@code continuous} with {@code v_prediction} makes the timesteps 0.25 * log(sigma). */
  public enum TimestepType implements ConfigEnum {
    DISCRETE("discrete"),
    CONTINUOUS("continuous");

    private final String jsonName;

    TimestepType(String jsonName) {
      this.jsonName = jsonName;
    }

    @Override
    public String jsonName() {
      return jsonName;
    }
  }

  public EulerDiscreteSchedulerConfig {
    trainedBetas = ConfigFields.copy(trainedBetas);
  }

  @Override
  public double[] trainedBetas() {
    return ConfigFields.copy(trainedBetas);
  }

  public static EulerDiscreteSchedulerConfig parse(JsonConfig c) {
    EulerDiscreteSchedulerConfig config = new EulerDiscreteSchedulerConfig(
        ConfigFields.numTrainTimesteps(c),
        c.getDouble("beta_start", 0.0001),
        c.getDouble("beta_end", 0.02),
        c.getEnum("beta_schedule", BetaSchedule.class, BetaSchedule.LINEAR),
        c.getDoubleArray("trained_betas", null),
        ConfigFields.predictionType(c, "EulerDiscreteScheduler", PredictionType.EPSILON, PredictionType.EPSILON,
            PredictionType.SAMPLE, PredictionType.V_PREDICTION),
        c.getEnum("interpolation_type", InterpolationType.class, InterpolationType.LINEAR),
        c.getBool("use_karras_sigmas", false),
        c.getBool("use_exponential_sigmas", false),
        c.getBool("use_beta_sigmas", false),
        c.getDoubleOrNull("sigma_min"),
        c.getDoubleOrNull("sigma_max"),
        c.getEnum("timestep_spacing", TimestepSpacing.class, TimestepSpacing.LINSPACE),
        c.getEnum("timestep_type", TimestepType.class, TimestepType.DISCRETE),
        c.getInt("steps_offset", 0),
        c.getBool("rescale_betas_zero_snr", false),
        c.getEnum("final_sigmas_type", FinalSigmasType.class, FinalSigmasType.ZERO));
    ConfigFields.checkOneSigmaSchedule(c, config.useKarrasSigmas(), config.useExponentialSigmas(),
        config.useBetaSigmas());
    return config;
  }
}
