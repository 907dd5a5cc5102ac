package dev.vidgen.models.ltx;

import dev.vidgen.testing.CaseParity;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LTXPipeline} and {@link LTXImageToVideoPipeline} against diffusers v0.32.2 over their configuration space:
 * the refgen sweeps in {@code fixtures/sweeps/ltx} (1/3/5 heads of 4 and 8 channels, 1-3 layers, the VAE's patch 4,
 * LTX-Video 0.9.1's timestep-conditioned decoder with residual up-sampling and decode_timestep, 16 latent channels
 * and 24-wide VAE blocks, a causal decoder, fixed and dynamic shifting, guidance 1, frame rate 24, 5-17 frames,
 * non-square sizes) and {@code fixtures/sweeps/ltx-i2v} plus the public {@code ltx-i2v-tiny} (images of other sizes
 * and aspect ratios, shrunk and enlarged by LANCZOS, the 0.9.1 decoder with decode noise as the third generator
 * draw, 16 latent channels, fixed shift without shift_terminal, guidance 1). Commands in {@code
 * fixtures/sweeps/make_sweeps.sh}. Every recorded stage must match (ids exactly, stages within 1e-4 × max(1,
 * max|ref|), frames within 1e-4), from the recorded latents and seed for seed (the image-to-video generator's draws
 * bit for bit).
 */
class LTXSweepParityTest {
  static Stream<String> textToVideo() {
    return CaseParity.cases("ltx"); // the public ltx-tiny runs in LTXPipelineTest
  }

  static Stream<String> imageToVideo() {
    return CaseParity.cases("ltx-i2v", "ltx-i2v-tiny");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("textToVideo")
  void textToVideoMatchesDiffusers(String caseName) {
    CaseParity.assertPasses(caseName, false, "transformer.step0.output", "latents.final", "vae.decoded",
        "video.frames");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("textToVideo")
  void textToVideoSeedForSeed(String caseName) {
    CaseParity.assertPasses(caseName, true, "latents.initial_unpacked", "video.frames");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("imageToVideo")
  void imageToVideoMatchesDiffusers(String caseName) {
    CaseParity.assertPasses(caseName, false, "image.preprocessed", "vae.encode.sample", "image.latents",
        "conditioning_mask", "transformer.step0.timestep", "transformer.step0.output", "latents.final",
        "vae.decoded", "video.frames");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("imageToVideo")
  void imageToVideoSeedForSeed(String caseName) {
    CaseParity.assertPasses(caseName, true, "vae.encode.noise", "latents.noise", "latents.initial",
        "video.frames");
  }
}
