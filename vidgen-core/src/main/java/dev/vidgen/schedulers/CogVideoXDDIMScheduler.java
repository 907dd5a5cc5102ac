package dev.vidgen.schedulers;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.JsonConfig;
import java.util.function.DoubleUnaryOperator;

/**
 * Port of diffusers v0.32.2 {@code schedulers/scheduling_ddim_cogvideox.py} ({@code CogVideoXDDIMScheduler}): DDIM
 * with CogVideoX's SNR shift of {@code alphas_cumprod} (as in SD3), an optional zero-terminal-SNR rescale applied
 * to {@code alphas_cumprod} itself, and a step without clipping or noise.
 *
 * <p>Precision as in diffusers: the {@code scaled_linear} schedule is built in float64 (the other schedules in
 * float32), and the step scalars follow the table's precision before they meet the float32 sample.
 */
public final class CogVideoXDDIMScheduler implements Scheduler {
  public static final String CLASS_NAME = "CogVideoXDDIMScheduler";

  private final JsonConfig json;
  private final CogVideoXDDIMSchedulerConfig config;
  /** alphas_cumprod in its torch dtype (float32 values when {@link #float32}). */
  private final double[] alphasCumprod;
  private final double finalAlphaCumprod;
  private final boolean float32;
  private final DoubleUnaryOperator round;

  public CogVideoXDDIMScheduler(JsonConfig json) {
    this.json = json;
    this.config = CogVideoXDDIMSchedulerConfig.parse(json);
    json.logUnknown(CLASS_NAME);
    this.float32 = config.trainedBetas() != null || config.betaSchedule() != BetaSchedule.SCALED_LINEAR;
    this.round = float32 ? TorchMath::f32 : x -> x;
    int n = config.numTrainTimesteps();
    double[] betas = new double[n];
    if (float32) {
      float[] b = NoiseSchedules.betas(json, config.betaSchedule(), config.betaStart(), config.betaEnd(), n,
          config.trainedBetas());
      for (int i = 0; i < n; i++) {
        betas[i] = b[i];
      }
    } else {
      // torch.linspace(beta_start**0.5, beta_end**0.5, num_train_timesteps, dtype=torch.float64) ** 2
      double[] b = TorchMath.linspaceF64(Math.sqrt(config.betaStart()), Math.sqrt(config.betaEnd()), n);
      for (int i = 0; i < n; i++) {
        betas[i] = b[i] * b[i];
      }
    }
    double[] alphas = new double[n];
    for (int i = 0; i < n; i++) {
      alphas[i] = round.applyAsDouble(1.0 - betas[i]);
    }
    double[] ac = TorchMath.cumprod(alphas);
    for (int i = 0; i < n; i++) {
      ac[i] = round.applyAsDouble(ac[i]); // float32 cumprod rounds each output
    }
    // Modify: SNR shift following SD3
    double snr = config.snrShiftScale();
    for (int i = 0; i < n; i++) {
      double denominator = round.applyAsDouble(round.applyAsDouble(snr)
          + round.applyAsDouble(round.applyAsDouble(1 - snr) * ac[i]));
      ac[i] = round.applyAsDouble(ac[i] / denominator);
    }
    // Rescale for zero SNR
    if (config.rescaleBetasZeroSnr()) {
      ac = rescaleZeroTerminalSnr(ac);
    }
    this.alphasCumprod = ac;
    this.finalAlphaCumprod = config.setAlphaToOne() ? 1.0 : ac[0];
  }

  /** The CogVideoX {@code rescale_zero_terminal_snr(alphas_cumprod)}: shift/scale {@code sqrt(alphas_cumprod)}. */
  private double[] rescaleZeroTerminalSnr(double[] alphasCumprod) {
    int n = alphasCumprod.length;
    double[] alphasBarSqrt = new double[n];
    for (int i = 0; i < n; i++) {
      alphasBarSqrt[i] = round.applyAsDouble(Math.sqrt(alphasCumprod[i]));
    }
    double alphasBarSqrt0 = alphasBarSqrt[0];
    double alphasBarSqrtT = alphasBarSqrt[n - 1];
    double scale = round.applyAsDouble(alphasBarSqrt0 / round.applyAsDouble(alphasBarSqrt0 - alphasBarSqrtT));
    double[] alphasBar = new double[n];
    for (int i = 0; i < n; i++) {
      double shifted = round.applyAsDouble(alphasBarSqrt[i] - alphasBarSqrtT);
      double scaled = round.applyAsDouble(shifted * scale);
      alphasBar[i] = round.applyAsDouble(scaled * scaled);
    }
    return alphasBar;
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  @Override
  public JsonConfig config() {
    return json;
  }

  public CogVideoXDDIMSchedulerConfig schedulerConfig() {
    return config;
  }

  /** {@code alphas_cumprod} after the SNR shift (and zero-SNR rescale). */
  public double[] alphasCumprod() {
    return alphasCumprod.clone();
  }

  /** {@code set_timesteps(num_inference_steps)}: the same integer timesteps as {@code DDIMScheduler}. */
  public long[] timesteps(int numInferenceSteps) {
    return DDIMScheduler.ddimTimesteps(config.numTrainTimesteps(), numInferenceSteps, config.timestepSpacing(),
        config.stepsOffset());
  }

  @Override
  public SchedulerRun start(int numInferenceSteps, SchedulerOptions options) {
    checkArgument(options.sigmas() == null, "CogVideoXDDIMScheduler.set_timesteps takes no sigmas");
    long[] timesteps = timesteps(numInferenceSteps);
    int stepGap = config.numTrainTimesteps() / numInferenceSteps;
    Coefficients[] coefficients = new Coefficients[timesteps.length];
    for (int i = 0; i < timesteps.length; i++) {
      coefficients[i] = coefficients(timesteps[i], timesteps[i] - stepGap);
    }
    return new Run(timesteps, coefficients);
  }

  /** The scalars of one step, rounded to float32 where they meet the float32 sample. */
  private record Coefficients(float sqrtAlphaProdT, float sqrtBetaProdT, float aT, float bT) {}

  private Coefficients coefficients(long timestep, long prevTimestep) {
    if (timestep < 0 || timestep >= alphasCumprod.length) {
      throw new IllegalArgumentException("timestep " + timestep + " is outside the " + alphasCumprod.length
          + " training timesteps (" + json.file() + ": steps_offset " + config.stepsOffset() + ")");
    }
    DoubleUnaryOperator r = round;
    // 2. compute alphas, betas
    double alphaProdT = alphasCumprod[(int) timestep];
    double alphaProdTPrev = prevTimestep >= 0 ? alphasCumprod[(int) prevTimestep] : finalAlphaCumprod;
    double betaProdT = r.applyAsDouble(1 - alphaProdT);
    double sqrtAlphaProdT = r.applyAsDouble(Math.sqrt(alphaProdT));
    // a_t = ((1 - alpha_prod_t_prev) / (1 - alpha_prod_t)) ** 0.5
    double aT = r.applyAsDouble(Math.sqrt(r.applyAsDouble(r.applyAsDouble(1 - alphaProdTPrev)
        / r.applyAsDouble(1 - alphaProdT))));
    // b_t = alpha_prod_t_prev ** 0.5 - alpha_prod_t ** 0.5 * a_t
    double bT = r.applyAsDouble(r.applyAsDouble(Math.sqrt(alphaProdTPrev)) - r.applyAsDouble(sqrtAlphaProdT * aT));
    return new Coefficients((float) sqrtAlphaProdT, (float) r.applyAsDouble(Math.sqrt(betaProdT)), (float) aT,
        (float) bT);
  }

  private final class Run implements SchedulerRun {
    private final long[] timesteps;
    private final Coefficients[] coefficients;

    Run(long[] timesteps, Coefficients[] coefficients) {
      this.timesteps = timesteps;
      this.coefficients = coefficients;
    }

    @Override
    public double[] timesteps() {
      double[] out = new double[timesteps.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = timesteps[i];
      }
      return out;
    }

    @Override
    public double[] sigmas() {
      return null;
    }

    @Override
    public double initNoiseSigma() {
      return 1.0;
    }

    private void checkStep(int stepIndex) {
      checkArgument(stepIndex >= 0 && stepIndex < timesteps.length, "step index %s is outside [0, %s)", stepIndex,
          timesteps.length);
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
      checkStep(stepIndex);
      try (StepScope scope = new StepScope(sample)) {
        return scope.result(sample.duplicate()); // no scaling
      }
    }

    @Override
    public NDArray step(NDArray modelOutput, int stepIndex, NDArray sample) {
      // See formulas (12) and (16) of the DDIM paper https://arxiv.org/pdf/2010.02502.pdf
      // Notation (<variable name> -> <name in paper>)
      // - pred_noise_t -> e_theta(x_t, t)
      // - pred_original_sample -> f_theta(x_t, t) or x_0
      // - std_dev_t -> sigma_t
      // - eta -> η
      // - pred_sample_direction -> "direction pointing to x_t"
      // - pred_prev_sample -> "x_t-1"
      checkStep(stepIndex);
      // 1. get previous step value (=t-1) and 2. compute alphas, betas: planned in start()
      Coefficients c = coefficients[stepIndex];
      try (StepScope scope = new StepScope(sample)) {
        // 3. compute predicted original sample from predicted noise, also called "predicted x_0" of formula (12)
        NDArray predOriginalSample = switch (config.predictionType()) {
          case EPSILON -> sample.sub(modelOutput.mul(c.sqrtBetaProdT())).div(c.sqrtAlphaProdT());
          case SAMPLE -> modelOutput;
          case V_PREDICTION -> sample.mul(c.sqrtAlphaProdT()).sub(modelOutput.mul(c.sqrtBetaProdT()));
          default -> throw new IllegalStateException("unreachable: " + config.predictionType());
        };
        // 4. x_t-1 = a_t * x_t + b_t * x_0, with a_t = sqrt((1 - alpha_t-1) / (1 - alpha_t)) and
        // b_t = sqrt(alpha_t-1) - sqrt(alpha_t) * a_t (planned in start())
        NDArray prevSample = sample.mul(c.aT()).add(predOriginalSample.mul(c.bT()));
        return scope.result(prevSample);
      }
    }

    @Override
    public void close() {
      // stateless
    }
  }
}
