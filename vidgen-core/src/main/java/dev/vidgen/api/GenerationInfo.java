package dev.vidgen.api;

import java.time.Duration;

/**
 * The settings that made a video and how long it took.
 *
 * @param model the model id or folder it was loaded from
 * @param pipelineClass the diffusers pipeline class it reproduces (e.g. {@code TextToVideoSDPipeline})
 * @param prompt the prompt
 * @param seed the seed of the initial noise (the drawn one when the request gave none); -1 when the request gave
 *     initial latents
 * @param steps denoising steps
 * @param guidanceScale guidance scale
 * @param scheduler scheduler class name
 * @param encodeTime prompt/image encoding
 * @param denoiseTime all denoising steps
 * @param decodeTime VAE decoding
 */
public record GenerationInfo(
    String model,
    String pipelineClass,
    String prompt,
    long seed,
    int steps,
    double guidanceScale,
    String scheduler,
    Duration encodeTime,
    Duration denoiseTime,
    Duration decodeTime) {

  public Duration totalTime() {
    return encodeTime.plus(denoiseTime).plus(decodeTime);
  }
}
