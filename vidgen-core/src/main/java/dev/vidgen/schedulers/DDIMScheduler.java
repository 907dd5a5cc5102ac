package dev.vidgen.schedulers;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import dev.vidgen.noise.NoiseSource;
import dev.vidgen.weights.JsonConfig;

/**
 * Port of diffusers v0.32.2 {@code schedulers/scheduling_ddim.py} ({@code DDIMScheduler}): denoising diffusion
 * implicit models (Song et al., arXiv 2010.02502), deterministic for {@code eta = 0}.
 *
 * <p>The training table ({@code alphas_cumprod}) is built once here in torch float32, as diffusers builds it; a run
 * ({@link #start}) plans the timesteps and the per-step scalars on the host.
 */
public final class DDIMScheduler implements Scheduler {
  public static final String CLASS_NAME = "DDIMScheduler";

  private final JsonConfig json;
  private final DDIMSchedulerConfig config;
  private final float[] alphasCumprod;
  private final float finalAlphaCumprod;

  public DDIMScheduler(JsonConfig json) {
    this.json = json;
    this.config = DDIMSchedulerConfig.parse(json);
    json.logUnknown(CLASS_NAME);
    float[] betas = NoiseSchedules.betas(json, config.betaSchedule(), config.betaStart(), config.betaEnd(),
        config.numTrainTimesteps(), config.trainedBetas());
    if (config.rescaleBetasZeroSnr()) {
      betas = NoiseSchedules.rescaleZeroTerminalSnr(betas);
    }
    this.alphasCumprod = NoiseSchedules.alphasCumprod(betas);
    // At every step in ddim, we are looking into the previous alphas_cumprod. For the final step there is no
    // previous alphas_cumprod: set_alpha_to_one decides whether it is 1 or alphas_cumprod[0].
    this.finalAlphaCumprod = config.setAlphaToOne() ? 1f : alphasCumprod[0];
  }

  @Override
  public String className() {
    return CLASS_NAME;
  }

  @Override
  public JsonConfig config() {
    return json;
  }

  public DDIMSchedulerConfig schedulerConfig() {
    return config;
  }

  /** {@code alphas_cumprod} (float32 values). */
  public double[] alphasCumprod() {
    double[] out = new double[alphasCumprod.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = alphasCumprod[i];
    }
    return out;
  }

  /** {@code set_timesteps(num_inference_steps)}: the integer timesteps, highest first. */
  public long[] timesteps(int numInferenceSteps) {
    return ddimTimesteps(config.numTrainTimesteps(), numInferenceSteps, config.timestepSpacing(),
        config.stepsOffset());
  }

  /** The timesteps of {@code DDIMScheduler.set_timesteps}, also used by {@code CogVideoXDDIMScheduler}. */
  static long[] ddimTimesteps(int numTrainTimesteps, int numInferenceSteps, TimestepSpacing spacing, int stepsOffset) {
    checkArgument(numInferenceSteps >= 1, "num_inference_steps must be >= 1 but was %s", numInferenceSteps);
    checkArgument(numInferenceSteps <= numTrainTimesteps, "num_inference_steps %s cannot be larger than "
        + "num_train_timesteps %s: the model was trained on that many timesteps", numInferenceSteps, numTrainTimesteps);
    long[] timesteps = new long[numInferenceSteps];
    switch (spacing) {
      case LINSPACE -> {
        // np.linspace(0, num_train_timesteps - 1, num_inference_steps).round()[::-1].astype(np.int64)
        double[] lin = NumpyMath.linspace(0, numTrainTimesteps - 1, numInferenceSteps);
        for (int i = 0; i < numInferenceSteps; i++) {
          timesteps[i] = (long) NumpyMath.round(lin[numInferenceSteps - 1 - i]);
        }
      }
      case LEADING -> {
        // (np.arange(0, num_inference_steps) * step_ratio).round()[::-1] + steps_offset, integer step_ratio
        long stepRatio = numTrainTimesteps / numInferenceSteps;
        for (int i = 0; i < numInferenceSteps; i++) {
          timesteps[i] = (long) (numInferenceSteps - 1 - i) * stepRatio + stepsOffset;
        }
      }
      case TRAILING -> {
        // np.round(np.arange(num_train_timesteps, 0, -step_ratio)).astype(np.int64) - 1, float step_ratio
        double stepRatio = (double) numTrainTimesteps / numInferenceSteps;
        double[] ar = NumpyMath.arange(numTrainTimesteps, 0, -stepRatio);
        timesteps = new long[ar.length];
        for (int i = 0; i < ar.length; i++) {
          timesteps[i] = (long) NumpyMath.round(ar[i]) - 1;
        }
      }
      default -> throw new IllegalStateException("unreachable: " + spacing);
    }
    return timesteps;
  }

  @Override
  public SchedulerRun start(int numInferenceSteps, SchedulerOptions options) {
    checkArgument(options.sigmas() == null, "DDIMScheduler.set_timesteps takes no sigmas");
    checkArgument(options.eta() >= 0, "eta must be >= 0 but was %s", options.eta());
    checkArgument(options.eta() == 0 || options.noise() != null,
        "eta = %s > 0 adds noise in every step: SchedulerOptions.noise must be set", options.eta());
    long[] timesteps = timesteps(numInferenceSteps);
    int stepGap = config.numTrainTimesteps() / numInferenceSteps;
    Coefficients[] coefficients = new Coefficients[timesteps.length];
    for (int i = 0; i < timesteps.length; i++) {
      coefficients[i] = coefficients(timesteps[i], timesteps[i] - stepGap, options.eta());
    }
    return new Run(timesteps, coefficients, options);
  }

  /** The float32 scalars of one step, computed as torch computes them from 0-dim float32 tensors. */
  private record Coefficients(float sqrtAlphaProdT, float sqrtBetaProdT, float sqrtAlphaProdTPrev,
      float directionCoefficient, float stdDevT) {}

  private Coefficients coefficients(long timestep, long prevTimestep, double eta) {
    if (timestep < 0 || timestep >= alphasCumprod.length) {
      throw new IllegalArgumentException("timestep " + timestep + " is outside the " + alphasCumprod.length
          + " training timesteps (" + json.file() + ": steps_offset " + config.stepsOffset() + ")");
    }
    // 2. compute alphas, betas
    float alphaProdT = alphasCumprod[(int) timestep];
    float alphaProdTPrev = prevTimestep >= 0 ? alphasCumprod[(int) prevTimestep] : finalAlphaCumprod;
    float betaProdT = 1f - alphaProdT;
    // 5. compute variance: "sigma_t(eta)" -> see formula (16)
    // sigma_t = sqrt((1 - alpha_t-1)/(1 - alpha_t)) * sqrt(1 - alpha_t/alpha_t-1)
    float betaProdTPrev = 1f - alphaProdTPrev;
    float variance = (betaProdTPrev / betaProdT) * (1f - alphaProdT / alphaProdTPrev);
    float stdDevT = (float) eta * (float) Math.sqrt(variance);
    // 6. coefficient of "direction pointing to x_t" of formula (12)
    float direction = (float) Math.sqrt((1f - alphaProdTPrev) - stdDevT * stdDevT);
    return new Coefficients((float) Math.sqrt(alphaProdT), (float) Math.sqrt(betaProdT),
        (float) Math.sqrt(alphaProdTPrev), direction, stdDevT);
  }

  private final class Run implements SchedulerRun {
    private final long[] timesteps;
    private final Coefficients[] coefficients;
    private final double eta;
    private final NoiseSource noise;

    Run(long[] timesteps, Coefficients[] coefficients, SchedulerOptions options) {
      this.timesteps = timesteps;
      this.coefficients = coefficients;
      this.eta = options.eta();
      this.noise = options.noise();
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

    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
      checkStep(stepIndex);
      try (StepScope scope = new StepScope(sample)) {
        return scope.result(sample.duplicate()); // DDIM does not scale the model input
      }
    }

    private void checkStep(int stepIndex) {
      checkArgument(stepIndex >= 0 && stepIndex < timesteps.length, "step index %s is outside [0, %s)", stepIndex,
          timesteps.length);
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
        NDArray predOriginalSample;
        NDArray predEpsilon;
        switch (config.predictionType()) {
          case EPSILON -> {
            predOriginalSample = sample.sub(modelOutput.mul(c.sqrtBetaProdT())).div(c.sqrtAlphaProdT());
            predEpsilon = modelOutput;
          }
          case SAMPLE -> {
            predOriginalSample = modelOutput;
            predEpsilon = sample.sub(predOriginalSample.mul(c.sqrtAlphaProdT())).div(c.sqrtBetaProdT());
          }
          case V_PREDICTION -> {
            predOriginalSample = sample.mul(c.sqrtAlphaProdT()).sub(modelOutput.mul(c.sqrtBetaProdT()));
            predEpsilon = modelOutput.mul(c.sqrtAlphaProdT()).add(sample.mul(c.sqrtBetaProdT()));
          }
          default -> throw new IllegalStateException("unreachable: " + config.predictionType());
        }
        // 4. clip or threshold "predicted x_0"
        if (config.thresholding()) {
          predOriginalSample = DynamicThresholding.threshold(predOriginalSample, config.dynamicThresholdingRatio(),
              config.sampleMaxValue());
        } else if (config.clipSample()) {
          predOriginalSample = predOriginalSample.clip((float) -config.clipSampleRange(),
              (float) config.clipSampleRange());
        }
        // 5. compute variance: "sigma_t(η)" -> see formula (16): c.stdDevT(), planned in start()
        // 6. compute "direction pointing to x_t" of formula (12)
        NDArray predSampleDirection = predEpsilon.mul(c.directionCoefficient());
        // 7. compute x_t without "random noise" of formula (12)
        NDArray prevSample = predOriginalSample.mul(c.sqrtAlphaProdTPrev()).add(predSampleDirection);
        if (eta > 0) {
          NDArray varianceNoise = noise.randn(sample.getManager(), modelOutput.getShape());
          prevSample = prevSample.add(varianceNoise.mul(c.stdDevT()));
        }
        return scope.result(prevSample);
      }
    }

    @Override
    public void close() {
      // stateless
    }
  }
}
