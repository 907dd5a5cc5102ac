package dev.vidgen.schedulers;

import dev.vidgen.weights.JsonConfig;

/**
 * The constructor arguments of diffusers' {@code FlowMatchEulerDiscreteScheduler} (v0.32.2), read from
 * {@code scheduler_config.json} with its {@code __init__} defaults. {@code base_shift}, {@code max_shift},
 * {@code base_image_seq_len} and {@code max_image_seq_len} are read by pipelines to compute {@code mu}
 * ({@link #calculateShift}).
 *
 * @param shiftTerminal null when absent (diffusers: falsy values disable the stretch)
 * @param sigmaMin the {@code sigma_min} key some configs carry for other classes (diffusers' {@code hasattr} hack in
 *     {@code _convert_to_karras}); null when absent
 */
public record FlowMatchEulerDiscreteSchedulerConfig(
    int numTrainTimesteps,
    double shift,
    boolean useDynamicShifting,
    double baseShift,
    double maxShift,
    int baseImageSeqLen,
    int maxImageSeqLen,
    boolean invertSigmas,
    Double shiftTerminal,
    boolean useKarrasSigmas,
    boolean useExponentialSigmas,
    boolean useBetaSigmas,
    Double sigmaMin,
    Double sigmaMax) {

  public static FlowMatchEulerDiscreteSchedulerConfig parse(JsonConfig c) {
    FlowMatchEulerDiscreteSchedulerConfig config = new FlowMatchEulerDiscreteSchedulerConfig(
        ConfigFields.numTrainTimesteps(c),
        c.getDouble("shift", 1.0),
        c.getBool("use_dynamic_shifting", false),
        c.getDouble("base_shift", 0.5),
        c.getDouble("max_shift", 1.15),
        c.getInt("base_image_seq_len", 256),
        c.getInt("max_image_seq_len", 4096),
        c.getBool("invert_sigmas", false),
        c.getDoubleOrNull("shift_terminal"),
        c.getBool("use_karras_sigmas", false),
        c.getBool("use_exponential_sigmas", false),
        c.getBool("use_beta_sigmas", false),
        c.getDoubleOrNull("sigma_min"),
        c.getDoubleOrNull("sigma_max"));
    ConfigFields.checkOneSigmaSchedule(c, config.useKarrasSigmas(), config.useExponentialSigmas(),
        config.useBetaSigmas());
    if (config.shiftTerminal() != null && config.shiftTerminal() == 1.0) {
      throw c.error("shift_terminal", "must not be 1 (the stretch divides by 1 - shift_terminal)");
    }
    return config;
  }

  /**
   * The {@code calculate_shift} of the Flux/SD3/LTX pipelines: {@code mu} for a sequence length, linear between
   * ({@code base_image_seq_len}, {@code base_shift}) and ({@code max_image_seq_len}, {@code max_shift}).
   */
  public double calculateShift(long imageSeqLen) {
    double m = (maxShift - baseShift) / (maxImageSeqLen - baseImageSeqLen);
    double b = baseShift - m * baseImageSeqLen;
    return imageSeqLen * m + b;
  }
}
