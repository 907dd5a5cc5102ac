package dev.vidgen.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.testing.Fixtures;
import dev.vidgen.testing.MockHub;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes (this JVM and a child JVM) download the same repository into one cache at the same moment, over a
 * slowed-down CDN so that they overlap. The per-blob lock must make one of them download each file while the other
 * waits and then only links it: every file is fetched once, and both end with complete, correct snapshots.
 */
class HubConcurrentDownloadTest {
  static final String REPO = "someone/tiny-t2v";
  static final String UNET = "unet/diffusion_pytorch_model.safetensors";

  @TempDir Path tmp;

  @Test
  void twoProcessesDownloadingTheSameBlobsFetchEachOnce() throws Exception {
    try (MockHub mock = new MockHub()) {
      MockHub.Repo repo = mock.addRepo(REPO, Fixtures.caseDir("modelscope-tiny").resolve("model"), Map.of());
      mock.slowCdn(32 * 1024, 30); // the 1.4 MB UNet takes about 1.3 s
      Path cache = tmp.resolve("cache");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      Process child = new ProcessBuilder(java, "-cp", classpath, HubDownloadChild.class.getName(),
          mock.endpoint().toString(), cache.toString(), REPO).redirectErrorStream(true).start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine(), "the child JVM did not start");
        CompletableFuture<List<String>> childOutput = CompletableFuture.supplyAsync(() -> out.lines().toList());
        Hub hub = new Hub(HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", mock.endpoint().toString(), "HF_HUB_CACHE",
            cache.toString()), tmp).withRetries(3, Duration.ofMillis(5)));
        OutputStream go = child.getOutputStream();
        go.write("go\n".getBytes(StandardCharsets.UTF_8));
        go.flush();
        Path mine = hub.snapshot(RepoRef.parse(REPO), null, folder -> {});
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not finish");
        List<String> lines = childOutput.get(10, TimeUnit.SECONDS);
        assertEquals(0, child.exitValue(), String.join("\n", lines));
        assertEquals(List.of("snapshot " + mine), lines, "both processes built the same snapshot");

        for (Map.Entry<String, byte[]> f : repo.files().entrySet()) {
          assertTrue(Arrays.equals(f.getValue(), Files.readAllBytes(mine.resolve(f.getKey()))), f.getKey());
          String sha = MockHub.sha256(f.getValue());
          long gets = mock.requests().stream().filter(r -> r.method().equals("GET")
              && (r.path().endsWith(sha) || r.path().endsWith("/" + f.getKey()))).count();
          assertEquals(1, gets, f.getKey() + " was downloaded " + gets + " times: " + mock.requests());
        }
        // the processes really overlapped: both asked for the UNet's metadata before its one download ended
        String unetSha = MockHub.sha256(repo.files().get(UNET));
        MockHub.Request get = mock.requests().stream().filter(r -> r.path().endsWith(unetSha)).findFirst()
            .orElseThrow();
        List<MockHub.Request> heads = mock.requests().stream().filter(r -> r.method().equals("HEAD")
            && r.path().endsWith("/" + UNET)).toList();
        assertEquals(2, heads.size(), heads.toString());
        assertTrue(heads.stream().allMatch(h -> h.startNanos() < get.endNanos()),
            "one process finished the UNet before the other asked for it; the test did not overlap them");
        try (Stream<Path> blobs = Files.list(cache.resolve("models--someone--tiny-t2v/blobs"))) {
          assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")));
        }
      } finally {
        child.destroyForcibly();
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
