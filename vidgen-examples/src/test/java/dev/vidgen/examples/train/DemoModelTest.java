package dev.vidgen.examples.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.examples.train.MovingShapes.Colour;
import dev.vidgen.examples.train.MovingShapes.Direction;
import dev.vidgen.examples.train.MovingShapes.ShapeKind;
import dev.vidgen.examples.train.MovingShapes.Subject;
import dev.vidgen.models.modelscope.ModelScopeProvider;
import dev.vidgen.models.modelscope.TextToVideoSDPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded demo model follows its prompts (issue 6, "done means"): for every colour × direction pair, with the
 * shape cycling through circle/square/triangle and a different seed each, the video generated through {@link
 * VideoPipeline} from the shipped diffusers folder shows the named colour moving the named way ({@link
 * MotionScore}) in at least 90% of the 20 cases, at the demo's default settings (DDIM, 20 steps, guidance 6, 8 frames at
 * 32x32; the folder is loaded by path, so they are set explicitly): about a second per
 * video.
 */
class DemoModelTest {
  static final String RESOURCE = "/dev/vidgen/models/modelscope/embedded/demo";
  private static Path folder;

  @BeforeAll
  static void locate() {
    // Until the trained folder is committed (issue 6) there is nothing to judge; once it is, this runs and must pass.
    assumeTrue(ModelScopeProvider.demoShipped(), "the demo model is not in the modelscope module's resources yet ("
        + RESOURCE
        + "); train it with `vidgen train-demo --out vidgen-models/vidgen-model-modelscope/src/main/resources"
        + RESOURCE + "`");
    // the folder as users get it: unpacked from the jar (or the classes folder) by the provider
    folder = new ModelScopeProvider().embedded(ModelScopeProvider.DEMO);
  }

  static List<Subject> cases() {
    List<Subject> out = new ArrayList<>();
    int i = 0;
    for (Colour c : Colour.values()) {
      for (Direction d : Direction.values()) {
        out.add(new Subject(c, ShapeKind.values()[i++ % ShapeKind.values().length], d));
      }
    }
    return out;
  }

  @Test
  void generatedVideosShowTheNamedColourMovingTheNamedWay() {
    List<Subject> cases = cases();
    int right = 0;
    StringBuilder report = new StringBuilder();
    try (VideoPipeline pipe = VideoPipeline.load(folder)) {
      long arraysBefore = -1;
      for (int i = 0; i < cases.size(); i++) {
        Subject s = cases.get(i);
        long seed = 100 + i;
        Video v = pipe.generate(GenerationRequest.builder().prompt(s.caption()).seed(seed)
            .frames(TextToVideoSDPipeline.DEMO_FRAMES).size(32, 32).steps(TextToVideoSDPipeline.DEMO_STEPS)
            .guidanceScale(TextToVideoSDPipeline.DEMO_GUIDANCE).build());
        assertEquals(8, v.numFrames());
        MotionScore.Result r = MotionScore.score(v.frames(), v.numFrames(), v.height(), v.width(), s.colour(),
            s.direction());
        right += r.right() ? 1 : 0;
        report.append(String.format(Locale.ROOT, "%n  '%s' seed %d: %s", s.caption(), seed, r.describe()));
        if (i == 0) {
          arraysBefore = pipe.liveNativeArrays();
        }
      }
      assertEquals(arraysBefore, pipe.liveNativeArrays(), "generation leaked native arrays");
    }
    System.out.printf(Locale.ROOT, "demo model: %d/%d right%s%n", right, cases.size(), report);
    assertTrue(right * 10 >= cases.size() * 9, "only " + right + "/" + cases.size() + " right:" + report);
  }

  /** The folder is a small diffusers folder of the ModelScope family, as the issue asks. */
  @Test
  void folderIsADiffusersTextToVideoFolderUnderTwentyMegabytes() throws IOException {
    for (String f : List.of("model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json",
        "text_encoder/model.safetensors", "tokenizer/vocab.json", "tokenizer/merges.txt", "tokenizer/tokenizer.json",
        "tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json", "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors", "vae/config.json", "vae/diffusion_pytorch_model.safetensors",
        "README.md")) {
      assertTrue(Files.isRegularFile(folder.resolve(f)), "missing " + f);
    }
    String index = Files.readString(folder.resolve("model_index.json"));
    assertTrue(index.contains("\"_class_name\": \"TextToVideoSDPipeline\""), index);
    assertTrue(Files.readString(folder.resolve("scheduler/scheduler_config.json"))
        .contains("\"_class_name\": \"DDIMScheduler\""));
    long bytes;
    try (Stream<Path> s = Files.walk(folder)) {
      bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    assertTrue(bytes < 20L * 1024 * 1024, "demo folder is " + bytes + " bytes");
  }
}
