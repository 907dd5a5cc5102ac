package dev.vidgen.models.svd;

import dev.vidgen.testing.CaseParity;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link StableVideoDiffusionPipeline} against diffusers v0.32.2 over its configuration space: the refgen sweep in
 * {@code fixtures/sweeps/svd} (1, 2 and 8 heads, 2 and 3 blocks with and without attention, 2 resnet and 2
 * transformer layers per block, a narrower time embedding, a 3-block VAE, decode chunks of 2 and 3 with a short last
 * chunk, another image encoder and cross-attention width, Euler with and without Karras sigmas and trailing
 * spacing, no guidance and another guidance ramp, noise augmentation 0.1, motion bucket 60, fps 10, 2-7 frames,
 * non-square sizes; commands in {@code fixtures/sweeps/make_sweeps.sh}). Every recorded stage must match (see
 * {@link dev.vidgen.check.PipelineCaseRunner}: 1e-4 × max(1, max|ref|), or 3x diffusers' own float32 rounding
 * where that is larger, as in the first EDM step), from the recorded latents and seed for seed.
 */
class SvdSweepParityTest {
  static Stream<String> cases() {
    return CaseParity.cases("svd"); // the public svd-tiny runs in StableVideoDiffusionPipelineTest
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyStageMatchesDiffusers(String caseName) {
    CaseParity.assertPasses(caseName, false, "unet.step0.output", "latents.final", "vae.decoded", "video.frames");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void seedForSeedEqualsDiffusers(String caseName) {
    CaseParity.assertPasses(caseName, true, "latents.initial", "unet.step0.output", "video.frames");
  }
}
