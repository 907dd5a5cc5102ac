package dev.vidgen.hub;

import dev.vidgen.api.ModelNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Finds a model's diffusers folder on this machine, reusing what a user already downloaded with Python:
 * <ol>
 *   <li>{@code $VIDGEN_HOME/<alias>} and {@code $VIDGEN_HOME/<org>/<name>};
 *   <li>the Hugging Face cache: {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code
 *       ~/.cache/huggingface/hub}; in it {@code models--<org>--<name>/refs/main} names the snapshot {@code
 *       snapshots/<rev>/} (a cache without refs, e.g. filled by a download of one revision, is used when it holds
 *       exactly one snapshot).
 * </ol>
 * A folder counts only when it has a {@code model_index.json}. Nothing is downloaded here.
 */
public final class ModelLocator {
  private final Map<String, String> env;
  private final Path userHome;

  public ModelLocator(Map<String, String> env, Path userHome) {
    this.env = Map.copyOf(env);
    this.userHome = userHome;
  }

  /** The locator of this process (its environment and {@code user.home}). */
  public static ModelLocator system() {
    return new ModelLocator(System.getenv(), Path.of(System.getProperty("user.home", ".")));
  }

  /** The Hugging Face hub cache folder this environment selects. */
  public Path hfHubCache() {
    String cache = env.get("HF_HUB_CACHE");
    if (cache != null && !cache.isBlank()) {
      return Path.of(cache);
    }
    String home = env.get("HF_HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home, "hub");
    }
    String xdg = env.get("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "huggingface", "hub");
    }
    return userHome.resolve(".cache").resolve("huggingface").resolve("hub");
  }

  /**
   * Locates {@code alias} (one of {@code repoIds}). Throws {@link ModelNotFoundException} listing every place
   * searched and the command that downloads the first repository.
   */
  public Path locate(String alias, List<String> repoIds) {
    List<String> searched = new ArrayList<>();
    String vidgenHome = env.get("VIDGEN_HOME");
    if (vidgenHome != null && !vidgenHome.isBlank()) {
      List<Path> candidates = new ArrayList<>();
      candidates.add(Path.of(vidgenHome, alias));
      for (String repo : repoIds) {
        candidates.add(Path.of(vidgenHome).resolve(repo));
      }
      for (Path p : candidates) {
        searched.add(p.toString());
        if (Files.isRegularFile(p.resolve("model_index.json"))) {
          return p;
        }
      }
    } else {
      searched.add("$VIDGEN_HOME (not set)");
    }
    Path cache = hfHubCache();
    for (String repo : repoIds) {
      Path repoDir = cache.resolve("models--" + repo.replace("/", "--"));
      searched.add(repoDir.toString());
      Path snap = snapshot(repoDir);
      if (snap != null) {
        return snap;
      }
    }
    String first = repoIds.isEmpty() ? alias : repoIds.get(0);
    throw new ModelNotFoundException("model '" + alias + "' was not found on this machine; searched: "
        + String.join(", ", searched) + ". Download it with `huggingface-cli download " + first
        + "` (fills the Hugging Face cache, which vidgen reads as it is), or pass the path of a diffusers folder.");
  }

  private static Path snapshot(Path repoDir) {
    Path refMain = repoDir.resolve("refs").resolve("main");
    try {
      if (Files.isRegularFile(refMain)) {
        String rev = Files.readString(refMain).trim();
        Path snap = repoDir.resolve("snapshots").resolve(rev);
        if (!rev.isEmpty() && !rev.contains("/") && Files.isRegularFile(snap.resolve("model_index.json"))) {
          return snap;
        }
      }
      Path snaps = repoDir.resolve("snapshots");
      if (Files.isDirectory(snaps)) {
        try (Stream<Path> s = Files.list(snaps)) {
          List<Path> all = s.filter(p -> Files.isRegularFile(p.resolve("model_index.json"))).toList();
          if (all.size() == 1) {
            return all.get(0);
          }
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }
}
