package dev.vidgen.schedulers;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.weights.JsonConfig;
import java.util.Arrays;

/**
 * Port of diffusers v0.32.2 {@code schedulers/scheduling_euler_discrete.py} ({@code EulerDiscreteScheduler}): Euler
 * steps of the probability-flow ODE in sigma (Algorithm 2 of Karras et al., arXiv 2206.00364), including SVD's
 * EDM configuration (v-prediction, Karras sigmas between {@code sigma_min} and {@code sigma_max}, continuous
 * timesteps {@code 0.25 * log(sigma)}).
 *
 * <p>Churn ({@code s_churn} &gt; 0) is not exposed: pipelines call {@code step} with its defaults, which add no
 * noise.
 */
public final class EulerDiscreteScheduler implements Scheduler {
  public static final String CLASS_NAME = "EulerDiscreteScheduler";

  private final JsonConfig json;
  private final EulerDiscreteSchedulerConfig config;
  private final float[] alphasCumprod;
  /** {@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5}, float32, indexed by training timestep. */
  private final float[] sigmaTable;
  /** {@code np.log} of {@link #sigmaTable} (numpy float32). */
  private final float[] logSigmas;

  public EulerDiscreteScheduler(JsonConfig json) {
    this.json = json;
    this.config = EulerDiscreteSchedulerConfig.parse(json);
    json.logUnknown(CLASS_NAME);
    float[] betas = NoiseSchedules.betas(json, config.betaSchedule(), config.betaStart(), config.betaEnd(),
        config.numTrainTimesteps(), config.trainedBetas());
    this.alphasCumprod = NoiseSchedules.alphasCumprodWithZeroSnr(betas, config.rescaleBetasZeroSnr());
    this.sigmaTable = NoiseSchedules.sigmaTable(alphasCumprod);
    this.logSigmas = NumpyMath.logf(sigmaTable);
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  @Override
  public JsonConfig config() {
    return json;
  }

  public EulerDiscreteSchedulerConfig schedulerConfig() {
    return config;
  }

  /**
   * The float32 timesteps of {@code set_timesteps} for a spacing (Euler and Euler-ancestral compute them the same
   * way): {@code np.linspace(..., dtype=np.float32)}, or integer multiples cast to float32.
   */
  static float[] spacedTimesteps(int numTrainTimesteps, int numInferenceSteps, TimestepSpacing spacing,
      int stepsOffset) {
    checkArgument(numInferenceSteps >= 1, "num_inference_steps must be >= 1 but was %s", numInferenceSteps);
    switch (spacing) {
      case LINSPACE -> {
        double[] lin = NumpyMath.linspace(0, numTrainTimesteps - 1, numInferenceSteps);
        float[] out = new float[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++) {
          out[i] = (float) lin[numInferenceSteps - 1 - i];
        }
        return out;
      }
      case LEADING -> {
        // creates integer timesteps by multiplying by ratio
        long stepRatio = numTrainTimesteps / numInferenceSteps;
        float[] out = new float[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++) {
          out[i] = (float) ((numInferenceSteps - 1 - i) * stepRatio) + stepsOffset;
        }
        return out;
      }
      case TRAILING -> {
        double stepRatio = (double) numTrainTimesteps / numInferenceSteps;
        double[] ar = NumpyMath.arange(numTrainTimesteps, 0, -stepRatio);
        float[] out = new float[ar.length];
        for (int i = 0; i < ar.length; i++) {
          out[i] = (float) NumpyMath.round(ar[i]) - 1f;
        }
        return out;
      }
      default -> throw new IllegalStateException("unreachable: " + spacing);
    }
  }

  @Override
  public SchedulerRun start(int numInferenceSteps, SchedulerOptions options) {
    double[] timesteps;
    float[] sigmas;
    if (options.sigmas() != null) {
      // set_timesteps(sigmas=...): the caller's sigmas, final one included; timesteps from _sigma_to_t
      double[] given = options.sigmas();
      checkArgument(given.length >= 2, "sigmas must hold at least 2 values (the last is the final sigma)");
      checkArgument(numInferenceSteps == given.length - 1, "with %s sigmas, num_inference_steps is %s, not %s",
          given.length, given.length - 1, numInferenceSteps);
      sigmas = new float[given.length];
      timesteps = new double[given.length - 1];
      for (int i = 0; i < given.length; i++) {
        sigmas[i] = (float) given[i]; // np.array(sigmas).astype(np.float32)
      }
      for (int i = 0; i < timesteps.length; i++) {
        timesteps[i] = SigmaConversions.sigmaToT(sigmas[i], logSigmas);
      }
    } else {
      // "linspace", "leading", "trailing" corresponds to annotation of Table 2. of https://arxiv.org/abs/2305.08891
      float[] spaced = spacedTimesteps(config.numTrainTimesteps(), numInferenceSteps, config.timestepSpacing(),
          config.stepsOffset());
      timesteps = new double[spaced.length];
      for (int i = 0; i < spaced.length; i++) {
        timesteps[i] = spaced[i];
      }
      double[] s;
      if (config.interpolationType() == EulerDiscreteSchedulerConfig.InterpolationType.LINEAR) {
        s = NumpyMath.interpArange(timesteps, sigmaTable);
      } else {
        // torch.linspace(np.log(sigmas[-1]), np.log(sigmas[0]), num_inference_steps + 1).exp()
        float[] logs = TorchMath.linspaceF32(NumpyMath.logf(sigmaTable[sigmaTable.length - 1]),
            NumpyMath.logf(sigmaTable[0]), numInferenceSteps + 1);
        s = new double[logs.length];
        for (int i = 0; i < logs.length; i++) {
          s[i] = (float) Math.exp(logs[i]);
        }
      }
      if (config.useKarrasSigmas() || config.useExponentialSigmas() || config.useBetaSigmas()) {
        double sigmaMin = config.sigmaMin() != null ? config.sigmaMin() : s[s.length - 1];
        double sigmaMax = config.sigmaMax() != null ? config.sigmaMax() : s[0];
        s = config.useKarrasSigmas() ? SigmaConversions.karras(sigmaMin, sigmaMax, numInferenceSteps)
            : config.useExponentialSigmas() ? SigmaConversions.exponential(sigmaMin, sigmaMax, numInferenceSteps)
            : SigmaConversions.beta(sigmaMin, sigmaMax, numInferenceSteps, 0.6, 0.6);
        timesteps = new double[s.length];
        for (int i = 0; i < s.length; i++) {
          timesteps[i] = SigmaConversions.sigmaToT(s[i], logSigmas);
        }
      }
      double sigmaLast = config.finalSigmasType() == FinalSigmasType.SIGMA_MIN
          ? NoiseSchedules.sigma(alphasCumprod[0]) : 0;
      sigmas = new float[s.length + 1];
      for (int i = 0; i < s.length; i++) {
        sigmas[i] = (float) s[i];
      }
      sigmas[s.length] = (float) sigmaLast;
    }
    float[] t = new float[timesteps.length];
    boolean edm = config.timestepType() == EulerDiscreteSchedulerConfig.TimestepType.CONTINUOUS
        && config.predictionType() == PredictionType.V_PREDICTION;
    for (int i = 0; i < t.length; i++) {
      // diffusers applies the EDM timestep 0.25 * log(sigma) only for continuous timesteps with v_prediction
      t[i] = edm ? 0.25f * TorchMath.logf(sigmas[i]) : (float) timesteps[i];
    }
    return new Run(t, sigmas, initNoiseSigma(sigmas, config.timestepSpacing()));
  }

  /** {@code init_noise_sigma}: max sigma for linspace/trailing spacing, else {@code (max_sigma**2 + 1) ** 0.5}. */
  static double initNoiseSigma(float[] sigmas, TimestepSpacing spacing) {
    float maxSigma = Float.NEGATIVE_INFINITY;
    for (float s : sigmas) {
      maxSigma = Math.max(maxSigma, s);
    }
    if (spacing == TimestepSpacing.LINSPACE || spacing == TimestepSpacing.TRAILING) {
      return maxSigma;
    }
    return (float) Math.sqrt(maxSigma * maxSigma + 1f);
  }

  /** {@code (sigma**2 + 1) ** 0.5} in float32: the divisor of {@code scale_model_input}. */
  static float inputScale(float sigma) {
    return (float) Math.sqrt(sigma * sigma + 1f);
  }

  private final class Run implements SchedulerRun {
    private final float[] timesteps;
    private final float[] sigmas;
    private final double initNoiseSigma;

    Run(float[] timesteps, float[] sigmas, double initNoiseSigma) {
      this.timesteps = timesteps;
      this.sigmas = sigmas;
      this.initNoiseSigma = initNoiseSigma;
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
      double[] out = new double[sigmas.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = sigmas[i];
      }
      return out;
    }

    @Override
    public double initNoiseSigma() {
      return initNoiseSigma;
    }

    private void checkStep(int stepIndex) {
      checkArgument(stepIndex >= 0 && stepIndex < timesteps.length, "step index %s is outside [0, %s)", stepIndex,
          timesteps.length);
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
      checkStep(stepIndex);
      try (StepScope scope = new StepScope(sample)) {
        return scope.result(sample.div(inputScale(sigmas[stepIndex])));
      }
    }

    @Override
    public NDArray step(NDArray modelOutput, int stepIndex, NDArray sample) {
      // Notation (Karras et al. 2022, Algorithm 2 with s_churn = 0):
      // - sigma -> sigma_i, sigma_hat -> sigma_hat_i = sigma_i (gamma = 0)
      // - pred_original_sample -> D(x_i; sigma_hat_i), the denoised sample
      // - derivative -> d_i = (x_i - D) / sigma_hat_i
      // - dt -> sigma_i+1 - sigma_hat_i
      checkStep(stepIndex);
      float sigma = sigmas[stepIndex];
      float sigmaHat = sigma; // gamma = min(s_churn / (len(sigmas) - 1), 2**0.5 - 1) = 0; sigma * (gamma + 1)
      try (StepScope scope = new StepScope(sample)) {
        // Upcast to avoid precision issues when computing prev_sample
        NDArray x = sample.getDataType() == DataType.FLOAT32 ? sample : sample.toType(DataType.FLOAT32, false);
        // 1. compute predicted original sample (x_0) from sigma-scaled predicted noise
        NDArray predOriginalSample = switch (config.predictionType()) {
          case SAMPLE -> modelOutput;
          case EPSILON -> x.sub(modelOutput.mul(sigmaHat));
          case V_PREDICTION -> {
            // denoised = model_output * c_out + input * c_skip
            float cOut = -sigma / inputScale(sigma);
            yield modelOutput.mul(cOut).add(x.div(sigma * sigma + 1f));
          }
          default -> throw new IllegalStateException("unreachable: " + config.predictionType());
        };
        // 2. Convert to an ODE derivative
        NDArray derivative = x.sub(predOriginalSample).div(sigmaHat);
        float dt = sigmas[stepIndex + 1] - sigmaHat;
        NDArray prevSample = x.add(derivative.mul(dt));
        // Cast sample back to model compatible dtype
        if (prevSample.getDataType() != modelOutput.getDataType()) {
          prevSample = prevSample.toType(modelOutput.getDataType(), false);
        }
        return scope.result(prevSample);
      }
    }

    @Override
    public void close() {
      // stateless
    }

    @Override
    public String toString() {
      return CLASS_NAME + " run " + Arrays.toString(timesteps);
    }
  }
}
