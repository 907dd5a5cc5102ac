package dev.vidgen.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VidgenCliTest {
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new VidgenCli(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void serveIsACommandWithItsOwnHelpAndUsageErrors() {
    Result help = run("serve", "--help");
    assertEquals(0, help.code(), help.err());
    assertTrue(help.out().contains("--api-key-file") && help.out().contains("--max-upload"), help.out());
    Result bad = run("serve", "--bogus", "1");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("unknown option '--bogus'"), bad.err());
    assertTrue(run("--help").out().contains("vidgen serve"), "the top-level usage lists serve");
  }

  @Test
  void checkPassesOnPipelineAndSchedulerCasesWithOneLinePerStage() {
    Path pipeline = Fixtures.caseDir("modelscope-tiny");
    Path scheduler = Fixtures.caseDir("schedulers/ddim-modelscope");
    Result r = run("check", pipeline.toString(), scheduler.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("unet.step0.output") && r.out().contains("video.frames"), r.out());
    String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
    assertTrue(last.matches("\\d+ passed, 0 failed"), last);
  }

  @Test
  void checkFromSeedProvesSeedParity() {
    Result r = run("check", "--from-seed", Fixtures.caseDir("modelscope-tiny").toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("latents.initial"), r.out());
  }

  @Test
  void checkOnAFolderThatIsNoCaseExitsTwoWithOneLine(@TempDir Path tmp) {
    Result r = run("check", tmp.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("reference.json is missing"), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  @Test
  void badFlagsGiveAOneLineErrorAndExitTwo(@TempDir Path tmp) {
    Result r = run("generate", "--prompt", "x", "--frames", "zero", "-o", tmp.resolve("a.mp4").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--frames must be an integer, got 'zero'"), r.err());
    Result r2 = run("generate", "--prompt", "x", "--frames", "0", "-o", tmp.resolve("a.mp4").toString());
    assertEquals(2, r2.code());
    assertTrue(r2.err().contains("frames must be >= 1 but was 0"), r2.err());
    Result r3 = run("generate", "--prompt", "x", "--bogus", "1");
    assertEquals(2, r3.code());
    assertTrue(r3.err().contains("unknown option '--bogus'"), r3.err());
    Result r4 = run("generate", "--prompt", "x", "--model", "no-such-model", "-o", tmp.resolve("b.mp4").toString());
    assertEquals(1, r4.code());
    assertTrue(r4.err().contains("unknown model 'no-such-model'"), r4.err());
    assertFalse(r4.err().contains("\tat "), "no stack trace without --verbose: " + r4.err());
  }

  @Test
  void neverOverwritesWithoutBeingAsked(@TempDir Path tmp) throws Exception {
    Path existing = tmp.resolve("mine.mp4");
    Files.writeString(existing, "precious");
    Result r = run("generate", "--prompt", "x", "-o", existing.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--overwrite"), r.err());
    assertEquals("precious", Files.readString(existing));
  }

  @Test
  void generatesWithTheEmbeddedDefaultModel(@TempDir Path tmp) {
    Path out = tmp.resolve("frames");
    Result r = run("generate", "--prompt", "a red circle moving right", "--steps", "2", "--frames", "2",
        "--seed", "3", "-o", out.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(Files.isRegularFile(out.resolve("frame_0000.png")), r.out());
    assertTrue(r.out().contains("seed 3"), r.out());
  }

  @Test
  void scaleEnlargesTheWrittenFramesAndAutoEnlargesSmallVideosTo256Pixels(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("frames");
    Result r = run("generate", "--model", "modelscope-tiny-random", "--prompt", "x", "--steps", "1", "--frames", "1",
        "--scale", "3", "-o", out.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertEquals(192, javax.imageio.ImageIO.read(out.resolve("frame_0000.png").toFile()).getWidth());
    assertTrue(r.out().contains("1 frames 64x64 at 8 fps, written enlarged 3x to 192x192"), r.out());
    Result bad = run("generate", "--prompt", "x", "--scale", "0", "-o", tmp.resolve("b.mp4").toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--scale must be auto or a whole number from 1 to 64, got 0"), bad.err());
    assertEquals(8, VidgenCli.autoScale(32, 32));
    assertEquals(4, VidgenCli.autoScale(64, 48));
    assertEquals(3, VidgenCli.autoScale(100, 90));
    assertEquals(1, VidgenCli.autoScale(256, 256));
    assertEquals(1, VidgenCli.autoScale(320, 576));
  }

  @Test
  void modelsListsAliasesAndRepositories() {
    Result r = run("models");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("modelscope") && r.out().contains("ali-vilab/text-to-video-ms-1.7b")
        && r.out().contains("zeroscope-v2-576w"), r.out());
  }

  @Test
  void pullDownloadsAModelWithAProgressBarPerFileAndGeneratesNothing(@TempDir Path tmp) throws Exception {
    try (dev.vidgen.testing.MockHub mock = new dev.vidgen.testing.MockHub()) {
      dev.vidgen.testing.MockHub.Repo repo = mock.addRepo("someone/tiny-t2v",
          Fixtures.caseDir("modelscope-tiny").resolve("model"), java.util.Map.of());
      dev.vidgen.hub.ModelLocator env = new dev.vidgen.hub.ModelLocator(java.util.Map.of("HF_ENDPOINT",
          mock.endpoint().toString(), "HF_HUB_CACHE", tmp.resolve("cache").toString()), tmp);
      Result r = runIn(env, "pull", "someone/tiny-t2v");
      assertEquals(0, r.code(), r.out() + r.err());
      Path snap = tmp.resolve("cache/models--someone--tiny-t2v/snapshots").resolve(repo.commit());
      assertTrue(r.out().contains("someone/tiny-t2v at commit " + repo.commit() + ": " + snap), r.out());
      assertTrue(r.out().contains("(13 files, 2.0 MB)"), r.out());
      assertTrue(Files.isRegularFile(snap.resolve("unet/diffusion_pytorch_model.safetensors")));
      assertTrue(r.err().contains("downloading someone/tiny-t2v") && r.err().contains(
          "unet/diffusion_pytorch_model.safetensors") && r.err().contains("100%") && r.err().contains("MB/s"), r.err());

      Result bad = runIn(env, "pull", "someone/tiny-t2v", "--revision", "a..b/../c");
      assertEquals(2, bad.code(), bad.err());
      Result none = runIn(env, "pull");
      assertEquals(2, none.code());
      Result missing = runIn(env, "pull", "someone/nope");
      assertEquals(1, missing.code());
      assertTrue(missing.err().contains("repository someone/nope was not found"), missing.err());
      assertFalse(missing.err().contains("\tat "), missing.err());
    }
  }

  @Test
  void progressLinesShowBytesRateAndTimeLeft() {
    dev.vidgen.api.DownloadEvent e = new dev.vidgen.api.DownloadEvent(dev.vidgen.api.DownloadEvent.Kind.PROGRESS,
        "org/m", "unet/diffusion_pytorch_model.safetensors", 1_500_000_000L, 5_650_000_000L, 0,
        java.time.Duration.ofSeconds(30), null);
    String line = DownloadProgress.line(e);
    assertTrue(line.contains("unet/diffusion_pytorch_model.safetensors") && line.contains(" 27% ")
        && line.contains("1.5 GB/5.7 GB") && line.contains("50.0 MB/s") && line.contains("ETA 1:23"), line);
  }

  static Result runIn(dev.vidgen.hub.ModelLocator env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new VidgenCli(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env).run(args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
