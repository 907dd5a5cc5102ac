package dev.vidgen.schedulers;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.noise.NoiseSource;
import dev.vidgen.schedulers.DPMSolverMultistepSchedulerConfig.AlgorithmType;
import dev.vidgen.schedulers.DPMSolverMultistepSchedulerConfig.SolverType;
import dev.vidgen.weights.JsonConfig;

/**
 * Port of diffusers v0.32.2 {@code schedulers/scheduling_dpmsolver_multistep.py}
 * ({@code DPMSolverMultistepScheduler}): multistep DPM-Solver (Lu et al., arXiv 2206.00927) and DPM-Solver++
 * (arXiv 2211.01095) of order 1 to 3, ODE or SDE variants, with Karras, exponential, Lu-lambda or flow sigmas.
 *
 * <p>The converted model outputs of the last {@code solver_order} steps live in the {@link SchedulerRun}: they are
 * unregistered from the caller's {@code NDScope}, closed when they leave the history, and closed by
 * {@link SchedulerRun#close()}. Steps must therefore be taken in order.
 */
public final class DPMSolverMultistepScheduler implements Scheduler {
  public static final String CLASS_NAME = "DPMSolverMultistepScheduler";

  private final JsonConfig json;
  private final DPMSolverMultistepSchedulerConfig config;
  private final float[] alphasCumprod;
  private final float[] sigmaTable;
  private final float[] logSigmas;
  /** {@code self.lambda_t = log(alpha_t) - log(sigma_t)} of {@code __init__}, float32, by training timestep. */
  private final float[] lambdaT;

  public DPMSolverMultistepScheduler(JsonConfig json) {
    this.json = json;
    this.config = DPMSolverMultistepSchedulerConfig.parse(json);
    json.logUnknown(CLASS_NAME);
    float[] betas = NoiseSchedules.betas(json, config.betaSchedule(), config.betaStart(), config.betaEnd(),
        config.numTrainTimesteps(), config.trainedBetas());
    this.alphasCumprod = NoiseSchedules.alphasCumprodWithZeroSnr(betas, config.rescaleBetasZeroSnr());
    // Currently we only support VP-type noise schedule
    this.lambdaT = new float[alphasCumprod.length];
    for (int i = 0; i < lambdaT.length; i++) {
      float alphaT = (float) Math.sqrt(alphasCumprod[i]);
      float sigmaT = (float) Math.sqrt(1f - alphasCumprod[i]);
      lambdaT[i] = TorchMath.logf(alphaT) - TorchMath.logf(sigmaT);
    }
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

  public DPMSolverMultistepSchedulerConfig schedulerConfig() {
    return config;
  }

  /** The planned schedule of {@code set_timesteps}: integer timesteps and float32 sigmas (one more). */
  record Plan(long[] timesteps, float[] sigmas) {}

  /** {@code set_timesteps(num_inference_steps)}. */
  Plan plan(int numInferenceSteps) {
    checkArgument(numInferenceSteps >= 1, "num_inference_steps must be >= 1 but was %s", numInferenceSteps);
    int trainSteps = config.numTrainTimesteps();
    // Clipping the minimum of all lambda(t) for numerical stability. This is critical for cosine
    // (squaredcos_cap_v2) noise schedule: clipped_idx = searchsorted(flip(lambda_t), lambda_min_clipped)
    int clippedIdx = 0;
    while (clippedIdx < trainSteps && lambdaT[trainSteps - 1 - clippedIdx] < config.lambdaMinClipped()) {
      clippedIdx++;
    }
    int lastTimestep = trainSteps - clippedIdx;
    // "linspace", "leading", "trailing" corresponds to annotation of Table 2. of https://arxiv.org/abs/2305.08891
    long[] timesteps;
    switch (config.timestepSpacing()) {
      case LINSPACE -> {
        // np.linspace(0, last_timestep - 1, num_inference_steps + 1).round()[::-1][:-1].astype(np.int64)
        double[] lin = NumpyMath.linspace(0, lastTimestep - 1, numInferenceSteps + 1);
        timesteps = new long[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++) {
          timesteps[i] = (long) NumpyMath.round(lin[numInferenceSteps - i]);
        }
      }
      case LEADING -> {
        long stepRatio = lastTimestep / (numInferenceSteps + 1);
        timesteps = new long[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++) {
          timesteps[i] = (numInferenceSteps - i) * stepRatio + config.stepsOffset();
        }
      }
      case TRAILING -> {
        double stepRatio = (double) trainSteps / numInferenceSteps;
        double[] ar = NumpyMath.arange(lastTimestep, 0, -stepRatio);
        timesteps = new long[ar.length];
        for (int i = 0; i < ar.length; i++) {
          timesteps[i] = (long) NumpyMath.round(ar[i]) - 1;
        }
      }
      default -> throw new IllegalStateException("unreachable: " + config.timestepSpacing());
    }
    double[] sigmas;
    if (config.useKarrasSigmas() || config.useExponentialSigmas() || config.useBetaSigmas()) {
      // in_sigmas = np.flip(sigmas): in_sigmas[-1] is the smallest training sigma, in_sigmas[0] the largest
      double sigmaMin = config.sigmaMin() != null ? config.sigmaMin() : sigmaTable[0];
      double sigmaMax = config.sigmaMax() != null ? config.sigmaMax() : sigmaTable[sigmaTable.length - 1];
      sigmas = config.useKarrasSigmas() ? SigmaConversions.karras(sigmaMin, sigmaMax, numInferenceSteps)
          : config.useExponentialSigmas() ? SigmaConversions.exponential(sigmaMin, sigmaMax, numInferenceSteps)
          : SigmaConversions.beta(sigmaMin, sigmaMax, numInferenceSteps, 0.6, 0.6);
      // karras rounds the timesteps; exponential and beta leave them fractional, then .to(torch.int64) truncates
      timesteps = timestepsOf(sigmas, config.useKarrasSigmas());
    } else if (config.useLuLambdas()) {
      // lambdas = np.flip(log_sigmas): in_lambdas[-1] = log_sigmas[0], in_lambdas[0] = log_sigmas[-1]
      double[] lambdas = SigmaConversions.lu(logSigmas[0], logSigmas[logSigmas.length - 1], numInferenceSteps);
      sigmas = new double[lambdas.length];
      for (int i = 0; i < sigmas.length; i++) {
        sigmas[i] = Math.exp(lambdas[i]);
      }
      timesteps = timestepsOf(sigmas, true);
    } else if (config.useFlowSigmas()) {
      double[] alphas = NumpyMath.linspace(1, 1.0 / trainSteps, numInferenceSteps + 1);
      double shift = config.flowShift();
      sigmas = new double[numInferenceSteps];
      timesteps = new long[numInferenceSteps];
      for (int i = 0; i < numInferenceSteps; i++) {
        // np.flip(shift * sigmas / (1 + (shift - 1) * sigmas))[:-1], sigmas = 1 - alphas
        double s = 1.0 - alphas[numInferenceSteps - i];
        sigmas[i] = shift * s / (1 + (shift - 1) * s);
        timesteps[i] = (long) (sigmas[i] * trainSteps); // .to(torch.int64) truncates
      }
    } else {
      double[] t = new double[timesteps.length];
      for (int i = 0; i < t.length; i++) {
        t[i] = timesteps[i];
      }
      sigmas = NumpyMath.interpArange(t, sigmaTable);
    }
    double sigmaLast = config.finalSigmasType() == FinalSigmasType.SIGMA_MIN
        ? NoiseSchedules.sigma(alphasCumprod[0]) : 0;
    float[] s = new float[sigmas.length + 1];
    for (int i = 0; i < sigmas.length; i++) {
      s[i] = (float) sigmas[i];
    }
    s[sigmas.length] = (float) sigmaLast;
    return new Plan(timesteps, s);
  }

  /** {@code [self._sigma_to_t(sigma, log_sigmas) for sigma in sigmas]}, rounded or truncated to int64. */
  private long[] timestepsOf(double[] sigmas, boolean round) {
    long[] out = new long[sigmas.length];
    for (int i = 0; i < out.length; i++) {
      double t = SigmaConversions.sigmaToT(sigmas[i], logSigmas);
      out[i] = (long) (round ? NumpyMath.round(t) : t);
    }
    return out;
  }

  @Override
  public SchedulerRun start(int numInferenceSteps, SchedulerOptions options) {
    checkArgument(options.sigmas() == null, "DPMSolverMultistepScheduler.set_timesteps takes no sigmas");
    checkArgument(!config.algorithmType().isSde() || options.noise() != null, "algorithm_type %s adds noise in "
        + "every step: SchedulerOptions.noise must be set", config.algorithmType().jsonName());
    Plan plan = plan(numInferenceSteps);
    return new Run(plan.timesteps(), plan.sigmas(), options.noise());
  }

  private final class Run implements SchedulerRun {
    private final long[] timesteps;
    private final float[] sigmas;
    /** {@code _sigma_to_alpha_sigma_t(sigmas[k])} and {@code lambda = log(alpha) - log(sigma)}, float32. */
    private final float[] alphaT;
    private final float[] sigmaT;
    private final float[] lambda;
    private final NoiseSource noise;
    /** {@code self.model_outputs}: the converted outputs of the last solver_order steps, oldest first. */
    private final NDArray[] modelOutputs;
    private int lowerOrderNums;
    private int nextStep;
    private boolean closed;

    Run(long[] timesteps, float[] sigmas, NoiseSource noise) {
      this.timesteps = timesteps;
      this.sigmas = sigmas;
      this.noise = noise;
      this.alphaT = new float[sigmas.length];
      this.sigmaT = new float[sigmas.length];
      this.lambda = new float[sigmas.length];
      for (int k = 0; k < sigmas.length; k++) {
        float sigma = sigmas[k];
        if (config.useFlowSigmas()) {
          alphaT[k] = 1f - sigma;
          sigmaT[k] = sigma;
        } else {
          alphaT[k] = 1f / (float) Math.sqrt(sigma * sigma + 1f);
          sigmaT[k] = sigma * alphaT[k];
        }
        lambda[k] = TorchMath.logf(alphaT[k]) - TorchMath.logf(sigmaT[k]);
      }
      this.modelOutputs = new NDArray[config.solverOrder()];
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
      return 1.0;
    }

    @Override
    public NDArray scaleModelInput(NDArray sample, int stepIndex) {
      checkArgument(stepIndex >= 0 && stepIndex < timesteps.length, "step index %s is outside [0, %s)", stepIndex,
          timesteps.length);
      try (StepScope scope = new StepScope(sample)) {
        return scope.result(sample.duplicate()); // DPM-Solver does not scale the model input
      }
    }

    @Override
    public NDArray step(NDArray modelOutput, int stepIndex, NDArray sample) {
      // Notation (DPM-Solver++, arXiv 2211.01095; lambda = log(alpha_t / sigma_t), the half-log-SNR):
      // - x0_pred -> x_theta(x_t, t), the data prediction; epsilon -> eps_theta(x_t, t)
      // - h -> lambda_t - lambda_s0, the step in lambda; r0 = h_0 / h, r1 = h_1 / h
      // - D0, D1, D2 -> finite-difference estimates of the derivatives of the model output in lambda
      // - model_outputs -> the converted outputs of the last solver_order steps
      checkState(!closed, "this run is closed");
      checkArgument(stepIndex >= 0 && stepIndex < timesteps.length, "step index %s is outside [0, %s)", stepIndex,
          timesteps.length);
      checkState(stepIndex == nextStep, "DPM-Solver keeps a history of model outputs: steps must be taken in order; "
          + "expected step %s, got %s", nextStep, stepIndex);
      int n = timesteps.length;
      // 1. Improve numerical stability for small number of steps
      boolean lowerOrderFinal = stepIndex == n - 1 && (config.eulerAtFinal()
          || (config.lowerOrderFinal() && n < 15) || config.finalSigmasType() == FinalSigmasType.ZERO);
      boolean lowerOrderSecond = stepIndex == n - 2 && config.lowerOrderFinal() && n < 15;
      try (StepScope scope = new StepScope(sample)) {
        // 2. convert the model output and push it into the history
        NDArray converted = convertModelOutput(modelOutput, stepIndex, sample);
        if (converted == modelOutput) {
          converted = modelOutput.duplicate(); // the caller owns model_output; the history needs its own copy
        }
        scope.keep(converted);
        NDArray evicted = modelOutputs[0];
        for (int k = 0; k < modelOutputs.length - 1; k++) {
          modelOutputs[k] = modelOutputs[k + 1];
        }
        modelOutputs[modelOutputs.length - 1] = converted;
        if (evicted != null) {
          evicted.close();
        }
        // 3. Upcast to avoid precision issues when computing prev_sample
        NDArray x = sample.getDataType() == DataType.FLOAT32 ? sample : sample.toType(DataType.FLOAT32, false);
        NDArray stepNoise = config.algorithmType().isSde()
            ? noise.randn(sample.getManager(), converted.getShape()) : null;
        // 4. the multistep update of the highest order the history allows
        NDArray prevSample;
        int order = config.solverOrder();
        if (order == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
          prevSample = firstOrderUpdate(converted, stepIndex, x, stepNoise);
        } else if (order == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
          prevSample = secondOrderUpdate(stepIndex, x, stepNoise);
        } else {
          prevSample = thirdOrderUpdate(stepIndex, x, stepNoise);
        }
        if (lowerOrderNums < order) {
          lowerOrderNums++;
        }
        // 5. Cast sample back to expected dtype
        if (prevSample.getDataType() != modelOutput.getDataType()) {
          prevSample = prevSample.toType(modelOutput.getDataType(), false);
        }
        nextStep++;
        return scope.result(prevSample);
      }
    }

    /** {@code convert_model_output}: x_0 for the ++ algorithms, epsilon for the others. */
    private NDArray convertModelOutput(NDArray modelOutput, int stepIndex, NDArray sample) {
      float alpha = alphaT[stepIndex];
      float sigma = sigmaT[stepIndex];
      boolean learned = config.varianceType() != null;
      if (config.algorithmType().predictsData()) {
        // DPM-Solver++ needs to solve an integral of the data prediction model.
        NDArray x0Pred = switch (config.predictionType()) {
          // DPM-Solver and DPM-Solver++ only need the "mean" output.
          case EPSILON -> sample.sub((learned ? modelOutput.get(":, :3") : modelOutput).mul(sigma)).div(alpha);
          case SAMPLE -> modelOutput;
          case V_PREDICTION -> sample.mul(alpha).sub(modelOutput.mul(sigma));
          case FLOW_PREDICTION -> sample.sub(modelOutput.mul(sigmas[stepIndex]));
        };
        if (config.thresholding()) {
          x0Pred = DynamicThresholding.threshold(x0Pred, config.dynamicThresholdingRatio(), config.sampleMaxValue());
        }
        return x0Pred;
      }
      // DPM-Solver needs to solve an integral of the noise prediction model.
      NDArray epsilon = switch (config.predictionType()) {
        case EPSILON -> learned ? modelOutput.get(":, :3") : modelOutput;
        case SAMPLE -> sample.sub(modelOutput.mul(alpha)).div(sigma);
        case V_PREDICTION -> modelOutput.mul(alpha).add(sample.mul(sigma));
        default -> throw new IllegalStateException("unreachable: " + config.predictionType());
      };
      if (config.thresholding()) {
        NDArray x0Pred = sample.sub(epsilon.mul(sigma)).div(alpha);
        x0Pred = DynamicThresholding.threshold(x0Pred, config.dynamicThresholdingRatio(), config.sampleMaxValue());
        epsilon = sample.sub(x0Pred.mul(alpha)).div(sigma);
      }
      return epsilon;
    }

    /** {@code torch.exp} of a 0-dim float32 tensor. */
    private static float exp(float x) {
      return TorchMath.expf(x);
    }

    /** {@code dpm_solver_first_order_update} (equivalent to DDIM). */
    private NDArray firstOrderUpdate(NDArray modelOutput, int i, NDArray sample, NDArray stepNoise) {
      int t = i + 1;
      int s = i;
      float h = lambda[t] - lambda[s];
      return switch (config.algorithmType()) {
        case DPMSOLVER_PLUS_PLUS -> sample.mul(sigmaT[t] / sigmaT[s])
            .sub(modelOutput.mul(alphaT[t] * (exp(-h) - 1f)));
        case DPMSOLVER -> sample.mul(alphaT[t] / alphaT[s]).sub(modelOutput.mul(sigmaT[t] * (exp(h) - 1f)));
        case SDE_DPMSOLVER_PLUS_PLUS -> sample.mul(sigmaT[t] / sigmaT[s] * exp(-h))
            .add(modelOutput.mul(alphaT[t] * (1f - exp(-2f * h))))
            .add(stepNoise.mul(sigmaT[t] * (float) Math.sqrt(1f - exp(-2f * h))));
        case SDE_DPMSOLVER -> sample.mul(alphaT[t] / alphaT[s])
            .sub(modelOutput.mul(2f * (sigmaT[t] * (exp(h) - 1f))))
            .add(stepNoise.mul(sigmaT[t] * (float) Math.sqrt(exp(2f * h) - 1f)));
        case DEIS -> throw new IllegalStateException("deis is registered as dpmsolver++");
      };
    }

    /** {@code multistep_dpm_solver_second_order_update}. */
    private NDArray secondOrderUpdate(int i, NDArray sample, NDArray stepNoise) {
      int t = i + 1;
      int s0 = i;
      int s1 = i - 1;
      NDArray m0 = modelOutputs[modelOutputs.length - 1];
      NDArray m1 = modelOutputs[modelOutputs.length - 2];
      float h = lambda[t] - lambda[s0];
      float h0 = lambda[s0] - lambda[s1];
      float r0 = h0 / h;
      NDArray d0 = m0;
      NDArray d1 = m0.sub(m1).mul(1f / r0);
      boolean midpoint = config.solverType() == SolverType.MIDPOINT;
      float aT = alphaT[t];
      float sT = sigmaT[t];
      return switch (config.algorithmType()) {
        case DPMSOLVER_PLUS_PLUS -> {
          // See https://arxiv.org/abs/2211.01095 for detailed derivations
          NDArray x = sample.mul(sT / sigmaT[s0]).sub(d0.mul(aT * (exp(-h) - 1f)));
          yield midpoint ? x.sub(d1.mul(0.5f * (aT * (exp(-h) - 1f))))
              : x.add(d1.mul(aT * ((exp(-h) - 1f) / h + 1f)));
        }
        case DPMSOLVER -> {
          // See https://arxiv.org/abs/2206.00927 for detailed derivations
          NDArray x = sample.mul(aT / alphaT[s0]).sub(d0.mul(sT * (exp(h) - 1f)));
          yield midpoint ? x.sub(d1.mul(0.5f * (sT * (exp(h) - 1f))))
              : x.sub(d1.mul(sT * ((exp(h) - 1f) / h - 1f)));
        }
        case SDE_DPMSOLVER_PLUS_PLUS -> {
          NDArray x = sample.mul(sT / sigmaT[s0] * exp(-h)).add(d0.mul(aT * (1f - exp(-2f * h))));
          x = midpoint ? x.add(d1.mul(0.5f * (aT * (1f - exp(-2f * h)))))
              : x.add(d1.mul(aT * ((1f - exp(-2f * h)) / (-2f * h) + 1f)));
          yield x.add(stepNoise.mul(sT * (float) Math.sqrt(1f - exp(-2f * h))));
        }
        case SDE_DPMSOLVER -> {
          NDArray x = sample.mul(aT / alphaT[s0]).sub(d0.mul(2f * (sT * (exp(h) - 1f))));
          x = midpoint ? x.sub(d1.mul(sT * (exp(h) - 1f)))
              : x.sub(d1.mul(2f * (sT * ((exp(h) - 1f) / h - 1f))));
          yield x.add(stepNoise.mul(sT * (float) Math.sqrt(exp(2f * h) - 1f)));
        }
        case DEIS -> throw new IllegalStateException("deis is registered as dpmsolver++");
      };
    }

    /** {@code multistep_dpm_solver_third_order_update}. */
    private NDArray thirdOrderUpdate(int i, NDArray sample, NDArray stepNoise) {
      int t = i + 1;
      int s0 = i;
      int s1 = i - 1;
      int s2 = i - 2;
      NDArray m0 = modelOutputs[modelOutputs.length - 1];
      NDArray m1 = modelOutputs[modelOutputs.length - 2];
      NDArray m2 = modelOutputs[modelOutputs.length - 3];
      float h = lambda[t] - lambda[s0];
      float h0 = lambda[s0] - lambda[s1];
      float h1 = lambda[s1] - lambda[s2];
      float r0 = h0 / h;
      float r1 = h1 / h;
      NDArray d0 = m0;
      NDArray d10 = m0.sub(m1).mul(1f / r0);
      NDArray d11 = m1.sub(m2).mul(1f / r1);
      NDArray d1Diff = d10.sub(d11);
      NDArray d1 = d10.add(d1Diff.mul(r0 / (r0 + r1)));
      NDArray d2 = d1Diff.mul(1f / (r0 + r1));
      float aT = alphaT[t];
      float sT = sigmaT[t];
      return switch (config.algorithmType()) {
        // See https://arxiv.org/abs/2206.00927 for detailed derivations
        case DPMSOLVER_PLUS_PLUS -> sample.mul(sT / sigmaT[s0])
            .sub(d0.mul(aT * (exp(-h) - 1f)))
            .add(d1.mul(aT * ((exp(-h) - 1f) / h + 1f)))
            .sub(d2.mul(aT * ((exp(-h) - 1f + h) / (h * h) - 0.5f)));
        case DPMSOLVER -> sample.mul(aT / alphaT[s0])
            .sub(d0.mul(sT * (exp(h) - 1f)))
            .sub(d1.mul(sT * ((exp(h) - 1f) / h - 1f)))
            .sub(d2.mul(sT * ((exp(h) - 1f - h) / (h * h) - 0.5f)));
        case SDE_DPMSOLVER_PLUS_PLUS -> sample.mul(sT / sigmaT[s0] * exp(-h))
            .add(d0.mul(aT * (1f - exp(-2f * h))))
            .add(d1.mul(aT * ((1f - exp(-2f * h)) / (-2f * h) + 1f)))
            .add(d2.mul(aT * ((1f - exp(-2f * h) - 2f * h) / ((2f * h) * (2f * h)) - 0.5f)))
            .add(stepNoise.mul(sT * (float) Math.sqrt(1f - exp(-2f * h))));
        case SDE_DPMSOLVER, DEIS -> throw new IllegalStateException(
            "no third-order update for " + config.algorithmType().jsonName());
      };
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      for (int k = 0; k < modelOutputs.length; k++) {
        if (modelOutputs[k] != null) {
          modelOutputs[k].close();
          modelOutputs[k] = null;
        }
      }
    }
  }
}
