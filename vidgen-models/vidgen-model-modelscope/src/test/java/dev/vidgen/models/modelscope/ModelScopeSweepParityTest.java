package dev.vidgen.models.modelscope;

import dev.vidgen.testing.CaseParity;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TextToVideoSDPipeline} against diffusers v0.32.2 over its configuration space: the
 * refgen sweep in {@code fixtures/sweeps/modelscope} (widths 16-48 that are not multiples of 16, 1/2/3/5/8 heads,
 * 2-10 channels per norm group, 1-4 blocks of every type, 1 and 2 layers per block, up-sampling to odd latent
 * sizes, a 2-block VAE with another scaling factor, another text encoder, DDIM/DPM-Solver++ (orders 2 and 3,
 * Karras)/Euler (leading and trailing), 1-5 frames, non-square sizes; commands in {@code
 * fixtures/sweeps/make_sweeps.sh}). Every recorded stage must match (ids exactly, stages within 1e-4 × max(1,
 * max|ref|), frames within 1e-4), from the recorded latents and seed for seed.
 */
class ModelScopeSweepParityTest {
  static Stream<String> cases() {
    return CaseParity.cases("modelscope"); // the public modelscope-* cases run in TextToVideoSDPipelineTest
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
