package dev.vidgen.models.svd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.HostTensor;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.check.Comparison;
import dev.vidgen.check.PipelineCaseRunner;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Stable Video Diffusion end to end against diffusers on {@code svd-tiny}, through the public API: every stage the
 * reference recorded (CLIP input and embedding, noise augmentation, VAE latents, each UNet call, guidance, each
 * scheduler step, each decode call, the frames) within the tolerance, 1e-4 × max(1, max|ref|) (frames: 1e-4
 * absolute).
 */
class StableVideoDiffusionPipelineTest {
  @Test
  void everyStageMatchesDiffusers() {
    List<Comparison> results = PipelineCaseRunner.run(SvdFixture.caseDir(), false, null);
    results.forEach(r -> System.out.println("[parity] " + r.line()));
    Map<String, Comparison> byStage = results.stream()
        .collect(Collectors.toMap(Comparison::stage, r -> r, (a, b) -> a, TreeMap::new));
    for (String stage : List.of("image.pixels", "image.clip_pixel_values", "image.embeds", "image.preprocessed",
        "image.noise", "vae.encode.input", "vae.encode.latents", "latents.initial", "guidance.scale",
        "scheduler.timesteps", "scheduler.sigmas", "unet.step0.input", "unet.step0.timestep",
        "unet.step0.encoder_hidden_states", "unet.step0.added_time_ids", "unet.step0.output", "unet.step1.output",
        "unet.step2.output", "scheduler.step0.model_output", "scheduler.step0.sample", "scheduler.step0.prev_sample",
        "latents.after_step0", "latents.after_step1", "latents.after_step2", "latents.final",
        "vae.decode.call0.input", "vae.decode.call0.num_frames", "vae.decode.call1.input",
        "vae.decode.call1.num_frames", "vae.decoded", "video.frames")) {
      assertTrue(byStage.containsKey(stage), "stage " + stage + " was not recorded");
    }
    List<String> failed = results.stream().filter(r -> !r.passed()).map(Comparison::describe).toList();
    assertTrue(failed.isEmpty(), String.join("\n", failed));
  }

  /**
   * The noise augmentation is the generator's first draw: seeded with {@code seed + 1} (the case's generator), the
   * pipeline draws exactly the recorded {@code image.noise}.
   */
  @Test
  void noiseAugmentationIsTheGeneratorsFirstDraw() {
    Map<String, HostTensor> recorded = new TreeMap<>();
    long seed = 31337 + 1;
    try (VideoPipeline p = VideoPipeline.builder().folder(SvdFixture.modelDir()).build()) {
      p.generate(GenerationRequest.builder().image(SvdFixture.caseDir().resolve("conditioning.png")).height(32)
          .width(48).frames(6).steps(1).decodeChunkSize(4).seed(seed)
          .initialLatents(SvdFixture.ref("latents.initial")).recorder(recorded::put).build());
    }
    assertArrayEquals(SvdFixture.ref("image.noise").data(), recorded.get("image.noise").data(), 0f);
  }

  /** Defaults come from the folder (unet sample_size × vae scale, unet num_frames, diffusers' call defaults). */
  @Test
  void defaultsAndErrors() {
    try (VideoPipeline p = VideoPipeline.builder().folder(SvdFixture.modelDir()).build()) {
      assertEquals("StableVideoDiffusionPipeline", p.pipelineClass());
      IllegalArgumentException noImage = assertThrows(IllegalArgumentException.class,
          () -> p.generate(GenerationRequest.builder().height(32).width(48).frames(2).steps(1).build()));
      assertTrue(noImage.getMessage().contains("image"), noImage.getMessage());
      IllegalArgumentException badSize = assertThrows(IllegalArgumentException.class,
          () -> p.generate(GenerationRequest.builder().image(SvdFixture.caseDir().resolve("conditioning.png"))
              .height(33).width(48).frames(2).steps(1).build()));
      assertTrue(badSize.getMessage().contains("vae_scale_factor"), badSize.getMessage());
      // a different size resizes the conditioning image (Pillow LANCZOS) and still runs
      Video v = p.generate(GenerationRequest.builder().image(SvdFixture.caseDir().resolve("conditioning.png"))
          .height(18).width(22).frames(2).steps(1).seed(3).build()); // 9x11 latents: forwarded upsample sizes
      assertEquals(2, v.numFrames());
      assertEquals(18, v.height());
      assertFalse(Float.isNaN(v.frames()[0]));
    }
  }

  /** Nothing a generation allocates outlives it: the pipeline holds as many native arrays after as before. */
  @Test
  void generationsLeakNoNativeArrays() {
    try (VideoPipeline p = VideoPipeline.builder().folder(SvdFixture.modelDir()).build()) {
      GenerationRequest r = GenerationRequest.builder().image(SvdFixture.caseDir().resolve("conditioning.png"))
          .height(32).width(48).frames(3).steps(2).decodeChunkSize(2).seed(7).build();
      long before = p.liveNativeArrays();
      p.generate(r);
      long afterOne = p.liveNativeArrays();
      p.generate(r);
      assertEquals(before, afterOne, "native arrays after one generation");
      assertEquals(before, p.liveNativeArrays(), "native arrays after two generations");
    }
  }
}
