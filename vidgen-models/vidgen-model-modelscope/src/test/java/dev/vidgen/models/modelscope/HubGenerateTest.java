package dev.vidgen.models.modelscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.DownloadEvent;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.hub.ModelLocator;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.MockHub;
import dev.vidgen.testing.TorchSaveWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From a repository id to a video: the loopback Hub serves the {@code modelscope-tiny} fixture (and its {@code .bin}
 * twin, written by the test with the same tensors), and the frames must equal those of the fixture folder itself.
 */
class HubGenerateTest {
  static final Path MODEL = Fixtures.caseDir("modelscope-tiny").resolve("model");
  static final GenerationRequest REQUEST = GenerationRequest.builder().prompt("a red circle moving right").frames(2)
      .height(32).width(32).steps(2).seed(11).build();
  static float[] reference;

  @TempDir Path tmp;

  @BeforeAll
  static void referenceFrames() {
    try (VideoPipeline p = VideoPipeline.load(MODEL)) {
      reference = p.generate(REQUEST).frames();
    }
  }

  ModelLocator env(MockHub mock) {
    return new ModelLocator(Map.of("HF_ENDPOINT", mock.endpoint().toString(), "HF_HUB_CACHE",
        tmp.resolve("cache").toString()), tmp.resolve("home"));
  }

  @Test
  void aFineTuneUnderItsOwnIdDownloadsAndGeneratesWhatItsFolderGenerates() {
    try (MockHub mock = new MockHub()) {
      mock.addRepo("someone/my-t2v-finetune", MODEL, Map.of());
      List<DownloadEvent> events = new ArrayList<>();
      try (VideoPipeline p = VideoPipeline.builder().model("someone/my-t2v-finetune").locator(env(mock))
          .onDownload(events::add).build()) {
        assertEquals("TextToVideoSDPipeline", p.pipelineClass());
        assertTrue(Arrays.equals(reference, p.generate(REQUEST).frames()), "frames differ from the folder's");
      }
      assertTrue(events.stream().anyMatch(e -> e.kind() == DownloadEvent.Kind.FINISHED
          && "unet/diffusion_pytorch_model.safetensors".equals(e.file())), events.toString());
      mock.clearRequests();
      try (VideoPipeline again = VideoPipeline.builder().model("someone/my-t2v-finetune").locator(env(mock))
          .offline(true).build()) {
        assertTrue(Arrays.equals(reference, again.generate(REQUEST).frames()));
      }
      assertEquals(List.of(), mock.requests(), "offline: loaded from the cache without a request");
    }
  }

  @Test
  void aBinTwinWithStridedSharedAndParameterTensorsGeneratesTheSameFrames() throws IOException {
    for (TorchSaveWriter.Layout layout : TorchSaveWriter.Layout.values()) {
      Path twin = tmp.resolve("twin-" + layout);
      TorchSaveWriter.binTwin(MODEL, twin, layout);
      try (Stream<Path> s = Files.walk(twin)) {
        assertFalse(s.anyMatch(f -> f.toString().endsWith(".safetensors")), "the twin holds pickles only");
      }
      assertTrue(Files.isRegularFile(twin.resolve("text_encoder/pytorch_model.bin")));
      try (VideoPipeline p = VideoPipeline.load(twin)) {
        assertTrue(Arrays.equals(reference, p.generate(REQUEST).frames()), layout + ": frames differ");
      }
    }
  }

  @Test
  void theZeroScopeAliasLoadsItsBinOnlyRepositoryDirectly() throws IOException {
    Path twin = tmp.resolve("zeroscope");
    TorchSaveWriter.binTwin(MODEL, twin, TorchSaveWriter.Layout.CONTIGUOUS);
    try (MockHub mock = new MockHub()) {
      mock.addRepo("cerspense/zeroscope_v2_576w", twin, Map.of());
      try (VideoPipeline p = VideoPipeline.builder().model("zeroscope-v2-576w").locator(env(mock)).build()) {
        assertEquals(576, p.defaults().width(), "the alias's defaults apply");
        assertTrue(Arrays.equals(reference, p.generate(REQUEST).frames()));
      }
      assertTrue(mock.requests().stream().anyMatch(r -> r.path().endsWith("/unet/diffusion_pytorch_model.bin")));
    }
  }
}
