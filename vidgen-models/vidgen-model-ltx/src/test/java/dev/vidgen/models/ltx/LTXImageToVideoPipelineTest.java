package dev.vidgen.models.ltx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.HostTensor;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.noise.TorchGenerator;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.HostTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LTXImageToVideoPipeline} on the ltx-tiny model: what the recipe guarantees by construction (first latent
 * frame = the encoded image after every step, per-token timesteps exactly t·(1−mask)), the image preprocessing
 * against hand-computed values, and end-to-end determinism. Parity with diffusers is {@link LTXSweepParityTest}'s.
 */
class LTXImageToVideoPipelineTest {
  private static final Path CASE = Fixtures.caseDir("ltx-tiny");
  private static final int WIDTH = 64;
  private static final int HEIGHT = 32;
  private static final int FRAMES = 9; // 3 latent frames of 4x8 tokens (VAE ratios 4 and 8)
  private static final int STEPS = 3;
  private static final long SEED = 11;

  /** A 48x40 gradient, resized by the pipeline to 64x32. */
  private static BufferedImage testImage() {
    BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 40; y++) {
      for (int x = 0; x < 48; x++) {
        img.setRGB(x, y, (x * 5) << 16 | (y * 6) << 8 | ((x + y) * 3));
      }
    }
    return img;
  }

  private static GenerationRequest.Builder request() {
    return GenerationRequest.builder().prompt("a red umbrella").negativePrompt("blurry").size(WIDTH, HEIGHT)
        .frames(FRAMES).steps(STEPS).seed(SEED).maxSequenceLength(16).guidanceScale(3.0);
  }

  private static BufferedImage rgb(int width, int height, int... rgbTriples) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < width * height; i++) {
      img.setRGB(i % width, i / width, rgbTriples[3 * i] << 16 | rgbTriples[3 * i + 1] << 8 | rgbTriples[3 * i + 2]);
    }
    return img;
  }

  @Test
  void preprocessingScalesToMinusOneOneChannelsFirst() {
    try (NDManager m = NDManager.newBaseManager()) {
      // Same size: no resize. 2*v/255 - 1, by hand: 10 -> -0.92156863, 30 -> -0.76470588, 200 -> 0.56862745,
      // 100 -> -0.21568627, 255 -> 1, 0 -> -1. Layout (1, 3, H=1, W=2): R of both pixels, then G, then B.
      NDArray same = LTXImageToVideoPipeline.preprocess(m, rgb(2, 1, 10, 200, 255, 30, 100, 0), 1, 2);
      assertArrayEquals(new long[] {1, 3, 1, 2}, same.getShape().getShape());
      assertArrayEquals(new float[] {-0.92156863f, -0.76470588f, 0.56862745f, -0.21568627f, 1f, -1f},
          same.toFloatArray(), 1e-7f);
      // 2x1 -> 1x1 with Pillow's LANCZOS: the output centre lies halfway between the two pixels, so both get the
      // same weight (2^21 each in 22-bit fixed point) and the result is their mean rounded half up:
      // R (10+30)/2 = 20, G (200+100)/2 = 150, B (255+0)/2 = 127.5 -> 128. Then 2*v/255-1.
      NDArray down = LTXImageToVideoPipeline.preprocess(m, rgb(2, 1, 10, 200, 255, 30, 100, 0), 1, 1);
      assertArrayEquals(new float[] {-0.84313725f, 0.17647059f, 0.00392157f}, down.toFloatArray(), 1e-7f);
    }
  }

  private static Map<String, HostTensor> run(VideoPipeline p, GenerationRequest r) {
    Map<String, HostTensor> stages = new LinkedHashMap<>();
    p.generate(r.toBuilder().recorder(stages::put).build());
    return stages;
  }

  @Test
  void theFirstLatentFrameStaysTheEncodedImageAfterEveryStep() {
    int tokensPerFrame = (HEIGHT / 8) * (WIDTH / 8);
    int channels = 8;
    float[] expected; // (C, 1, h, w) from our own encoder: sample with the generator's first draw, normalised
    float[] mode;
    try (NDManager m = NDManager.newBaseManager()) {
      AutoencoderKLLTXVideo vae = AutoencoderKLLTXVideo.load(CASE.resolve("model/vae"), m, DataType.FLOAT32);
      NDArray image = LTXImageToVideoPipeline.preprocess(m, testImage(), HEIGHT, WIDTH);
      NDArray moments = vae.encode(image.expandDims(2));
      TorchGenerator g = new TorchGenerator(SEED);
      NDArray sample = AutoencoderKLLTXVideo.sample(moments, (mm, s) -> g.randn(mm, s));
      expected = LTXPipeline.normalizeLatents(sample, vae.latentsMean(), vae.latentsStd(), 1.0).toFloatArray();
      mode = LTXPipeline.normalizeLatents(AutoencoderKLLTXVideo.mode(moments), vae.latentsMean(), vae.latentsStd(),
          1.0).toFloatArray();
    }
    Map<String, HostTensor> stages;
    try (VideoPipeline p = VideoPipeline.load(CASE.resolve("model"))) {
      stages = run(p, request().image(testImage()).build());
    }
    assertArrayEquals(expected, stages.get("image.latents").data(), 0f, "image.latents = our encoder's sample");
    double modeDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      modeDiff = Math.max(modeDiff, Math.abs(expected[i] - mode[i]));
    }
    assertTrue(modeDiff > 1e-3, "sampling (diffusers' retrieve_latents default) differs from the mode: " + modeDiff);
    for (String stage : new String[] {"latents.initial", "latents.after_step0", "latents.after_step1",
        "latents.after_step2", "latents.final"}) {
      HostTensor packed = stages.get(stage); // (1, F*h*w, C), frame-major tokens
      assertNotNull(packed, stage);
      double maxDiff = 0;
      double restChange = 0;
      HostTensor initial = stages.get("latents.initial");
      for (int tok = 0; tok < packed.shape()[1]; tok++) {
        for (int c = 0; c < channels; c++) {
          float v = packed.data()[tok * channels + c];
          if (tok < tokensPerFrame) {
            maxDiff = Math.max(maxDiff, Math.abs(v - expected[c * tokensPerFrame + tok]));
          } else {
            restChange = Math.max(restChange, Math.abs(v - initial.data()[tok * channels + c]));
          }
        }
      }
      System.out.printf("[i2v] %-22s first frame max|d| = %.3e; later frames moved by up to %.3e%n", stage,
          maxDiff, restChange);
      assertEquals(0.0, maxDiff, stage + ": latent frame 0 must be the encoded image exactly");
      if (!stage.equals("latents.initial")) {
        assertTrue(restChange > 1e-3, stage + ": the other frames are denoised");
      }
    }
  }

  @Test
  void perTokenTimestepsAreTTimesOneMinusTheMask() {
    Map<String, HostTensor> stages;
    try (VideoPipeline p = VideoPipeline.load(CASE.resolve("model"))) {
      stages = run(p, request().image(testImage()).build());
    }
    int tokensPerFrame = (HEIGHT / 8) * (WIDTH / 8);
    HostTensor mask = stages.get("conditioning_mask"); // (1, seq)
    int seq = 3 * tokensPerFrame;
    assertArrayEquals(new long[] {1, seq}, mask.shape());
    for (int j = 0; j < seq; j++) {
      assertEquals(j < tokensPerFrame ? 1f : 0f, mask.data()[j], "mask of token " + j);
    }
    float[] timesteps = stages.get("scheduler.timesteps").data();
    assertEquals(STEPS, timesteps.length);
    for (int i = 0; i < STEPS; i++) {
      HostTensor ts = stages.get("transformer.step" + i + ".timestep");
      assertArrayEquals(new long[] {2, seq}, ts.shape(), "guidance doubles the batch");
      float t = timesteps[i];
      assertTrue(t > 0, "t is positive, so the 0s below come from the mask");
      for (int b = 0; b < 2; b++) {
        for (int j = 0; j < seq; j++) {
          float expected = t * (1f - mask.data()[j]);
          assertEquals(expected, ts.data()[b * seq + j], 0f, "step " + i + " row " + b + " token " + j);
        }
      }
    }
  }

  @Test
  void endToEndIsDeterministicShapedFiniteAndConditionedOnTheImage() {
    try (VideoPipeline p = VideoPipeline.load(CASE.resolve("model"))) {
      GenerationRequest r = request().image(testImage()).build();
      p.generate(r.toBuilder().steps(1).build()); // warm-up: lazily created engine state
      long before = p.liveNativeArrays();
      Video v = p.generate(r);
      assertEquals(before, p.liveNativeArrays(), "native arrays alive after a run");
      assertEquals("LTXImageToVideoPipeline", v.info().pipelineClass());
      assertEquals(FRAMES, v.numFrames());
      assertEquals(WIDTH, v.width());
      assertEquals(HEIGHT, v.height());
      float[] frames = v.frames();
      assertEquals((long) FRAMES * HEIGHT * WIDTH * 3, frames.length);
      for (float f : frames) {
        assertTrue(Float.isFinite(f) && f >= 0f && f <= 1f, "frame value " + f);
      }
      assertArrayEquals(frames, p.generate(r).frames(), 0f, "same seed, same video");
      float[] textOnly = p.generate(request().build()).frames();
      assertFalse(Arrays.equals(frames, textOnly), "the image changes the video");
      float[] otherSeed = p.generate(r.toBuilder().seed(SEED + 1).build()).frames();
      assertFalse(Arrays.equals(frames, otherSeed), "another seed, another video");
      System.out.printf("[i2v] end-to-end: %d frames %dx%d, mean |i2v - t2v| = %.4f%n", v.numFrames(), v.width(),
          v.height(), meanAbsDiff(frames, textOnly));
    }
  }

  private static double meanAbsDiff(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += Math.abs(a[i] - b[i]);
    }
    return s / a.length;
  }

  @Test
  void aFolderNamingLTXImageToVideoPipelineLoadsAndNeedsAnImage(@TempDir Path tmp) throws IOException {
    Path folder = tmp.resolve("ltx-i2v");
    copyTree(CASE.resolve("model"), folder);
    Path index = folder.resolve("model_index.json");
    Files.writeString(index, Files.readString(index).replace("\"LTXPipeline\"", "\"LTXImageToVideoPipeline\""));
    GenerationRequest r = request().steps(2).image(testImage()).build();
    float[] viaT2vFolder;
    try (VideoPipeline p = VideoPipeline.load(CASE.resolve("model"))) {
      viaT2vFolder = p.generate(r).frames();
    }
    try (VideoPipeline p = VideoPipeline.load(folder)) {
      Video v = p.generate(r);
      assertEquals("LTXImageToVideoPipeline", v.info().pipelineClass());
      assertArrayEquals(viaT2vFolder, v.frames(), 0f, "same recipe whichever class the folder names");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> p.generate(request().build()));
      assertTrue(e.getMessage().contains("first-frame image"), e.getMessage());
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
