package dev.vidgen.schedulers;

import dev.vidgen.weights.ConfigEnum;
import dev.vidgen.weights.JsonConfig;
import java.util.List;

/**
 * The constructor arguments of diffusers' {@code DPMSolverMultistepScheduler} (v0.32.2), read from
 * {@code scheduler_config.json} with its {@code __init__} defaults. As in diffusers, {@code algorithm_type: deis}
 * becomes {@code dpmsolver++} and {@code solver_type} {@code logrho}/{@code bh1}/{@code bh2} becomes
 * {@code midpoint}.
 *
 * @param sigmaMin the {@code sigma_min} key a config may carry from another class (diffusers keeps such keys in
 *     {@code scheduler.config}, and {@code _convert_to_karras} then uses them); null when absent
 */
public record DPMSolverMultistepSchedulerConfig(
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    BetaSchedule betaSchedule,
    double[] trainedBetas,
    int solverOrder,
    PredictionType predictionType,
    boolean thresholding,
    double dynamicThresholdingRatio,
    double sampleMaxValue,
    AlgorithmType algorithmType,
    SolverType solverType,
    boolean lowerOrderFinal,
    boolean eulerAtFinal,
    boolean useKarrasSigmas,
    boolean useExponentialSigmas,
    boolean useBetaSigmas,
    boolean useLuLambdas,
    boolean useFlowSigmas,
    double flowShift,
    FinalSigmasType finalSigmasType,
    double lambdaMinClipped,
    String varianceType,
    TimestepSpacing timestepSpacing,
    int stepsOffset,
    boolean rescaleBetasZeroSnr,
    Double sigmaMin,
    Double sigmaMax) {

  /** {@code algorithm_type}: data prediction (++) or noise prediction, ODE or SDE. */
  public enum AlgorithmType implements ConfigEnum {
    DPMSOLVER("dpmsolver"),
    DPMSOLVER_PLUS_PLUS("dpmsolver++"),
    SDE_DPMSOLVER("sde-dpmsolver"),
    SDE_DPMSOLVER_PLUS_PLUS("sde-dpmsolver++"),
    /** Registered as {@code dpmsolver++} by diffusers. */
    DEIS("deis");

    private final String jsonName;

    AlgorithmType(String jsonName) {
      this.jsonName = jsonName;
    }

    @Override
    public String jsonName() {
      return jsonName;
    }

    /** Data-prediction variants (the model output is converted to x_0). */
    public boolean predictsData() {
      return this == DPMSOLVER_PLUS_PLUS || this == SDE_DPMSOLVER_PLUS_PLUS;
    }

    public boolean isSde() {
      return this == SDE_DPMSOLVER || this == SDE_DPMSOLVER_PLUS_PLUS;
    }
  }

  /** {@code solver_type} of the second-order update. */
  public enum SolverType implements ConfigEnum {
    MIDPOINT("midpoint"),
    HEUN("heun"),
    /** Registered as {@code midpoint} by diffusers. */
    LOGRHO("logrho"),
    BH1("bh1"),
    BH2("bh2");

    private final String jsonName;

    SolverType(String jsonName) {
      this.jsonName = jsonName;
    }

    @Override
    public String jsonName() {
      return jsonName;
    }
  }

  public DPMSolverMultistepSchedulerConfig {
    trainedBetas = ConfigFields.copy(trainedBetas);
  }

  @Override
  public double[] trainedBetas() {
    return ConfigFields.copy(trainedBetas);
  }

  public static DPMSolverMultistepSchedulerConfig parse(JsonConfig c) {
    int solverOrder = c.getInt("solver_order", 2);
    if (solverOrder < 1 || solverOrder > 3) {
      throw c.error("solver_order", "must be 1, 2 or 3 (DPM-Solver multistep updates exist up to third order), got "
          + solverOrder);
    }
    AlgorithmType algorithmType = c.getEnum("algorithm_type", AlgorithmType.class, AlgorithmType.DPMSOLVER_PLUS_PLUS);
    if (algorithmType == AlgorithmType.DEIS) {
      algorithmType = AlgorithmType.DPMSOLVER_PLUS_PLUS;
    }
    SolverType solverType = c.getEnum("solver_type", SolverType.class, SolverType.MIDPOINT);
    if (solverType != SolverType.HEUN) {
      solverType = SolverType.MIDPOINT;
    }
    PredictionType predictionType = algorithmType.predictsData()
        ? ConfigFields.predictionType(c, "DPMSolverMultistepScheduler with algorithm_type "
            + algorithmType.jsonName(), PredictionType.EPSILON, PredictionType.EPSILON, PredictionType.SAMPLE,
            PredictionType.V_PREDICTION, PredictionType.FLOW_PREDICTION)
        : ConfigFields.predictionType(c, "DPMSolverMultistepScheduler with algorithm_type "
            + algorithmType.jsonName(), PredictionType.EPSILON, PredictionType.EPSILON, PredictionType.SAMPLE,
            PredictionType.V_PREDICTION);
    FinalSigmasType finalSigmasType = c.getEnum("final_sigmas_type", FinalSigmasType.class, FinalSigmasType.ZERO);
    if (!algorithmType.predictsData() && finalSigmasType == FinalSigmasType.ZERO) {
      throw c.error("final_sigmas_type", "'zero' is not supported for algorithm_type '" + algorithmType.jsonName()
          + "'; choose 'sigma_min'");
    }
    if (algorithmType == AlgorithmType.SDE_DPMSOLVER && solverOrder == 3) {
      throw c.error("solver_order", "3 is not available for algorithm_type 'sde-dpmsolver' (diffusers v0.32.2 has no "
          + "third-order update for it)");
    }
    String varianceType = c.getString("variance_type", null);
    if (varianceType != null && !List.of("learned", "learned_range").contains(varianceType)) {
      throw c.error("variance_type", "must be null, 'learned' or 'learned_range', got '" + varianceType + "'");
    }
    DPMSolverMultistepSchedulerConfig config = new DPMSolverMultistepSchedulerConfig(
        ConfigFields.numTrainTimesteps(c),
        c.getDouble("beta_start", 0.0001),
        c.getDouble("beta_end", 0.02),
        c.getEnum("beta_schedule", BetaSchedule.class, BetaSchedule.LINEAR),
        c.getDoubleArray("trained_betas", null),
        solverOrder,
        predictionType,
        c.getBool("thresholding", false),
        c.getDouble("dynamic_thresholding_ratio", 0.995),
        c.getDouble("sample_max_value", 1.0),
        algorithmType,
        solverType,
        c.getBool("lower_order_final", true),
        c.getBool("euler_at_final", false),
        c.getBool("use_karras_sigmas", false),
        c.getBool("use_exponential_sigmas", false),
        c.getBool("use_beta_sigmas", false),
        c.getBool("use_lu_lambdas", false),
        c.getBool("use_flow_sigmas", false),
        c.getDouble("flow_shift", 1.0),
        finalSigmasType,
        c.getDouble("lambda_min_clipped", Double.NEGATIVE_INFINITY),
        varianceType,
        c.getEnum("timestep_spacing", TimestepSpacing.class, TimestepSpacing.LINSPACE),
        c.getInt("steps_offset", 0),
        c.getBool("rescale_betas_zero_snr", false),
        c.getDoubleOrNull("sigma_min"),
        c.getDoubleOrNull("sigma_max"));
    ConfigFields.checkOneSigmaSchedule(c, config.useKarrasSigmas(), config.useExponentialSigmas(),
        config.useBetaSigmas());
    return config;
  }
}
