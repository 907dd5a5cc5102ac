package dev.vidgen.hub;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The other process of {@link HubConcurrentDownloadTest}: downloads a repository into a cache, starting when its
 * parent writes a line. Arguments: endpoint, cache folder, repository id. Prints the snapshot folder.
 */
public final class HubDownloadChild {
  private HubDownloadChild() {}

  public static void main(String[] args) throws Exception {
    HubConfig cfg = HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", args[0], "HF_HUB_CACHE", args[1]), Path.of(args[1]))
        .withRetries(3, Duration.ofMillis(5));
    Hub hub = new Hub(cfg);
    System.out.println("ready");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine(); // "go"
    Path snap = hub.snapshot(RepoRef.parse(args[2]), null, folder -> {});
    System.out.println("snapshot " + snap);
  }
}
