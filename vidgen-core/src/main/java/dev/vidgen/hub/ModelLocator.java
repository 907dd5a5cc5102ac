package dev.vidgen.hub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The environment model resolution reads: {@code $VIDGEN_HOME} (folders a user placed by hand) and the Hugging Face
 * variables of {@link HubConfig}. Holding the environment as a map lets tests and plugin hosts resolve models without
 * touching the process's own variables.
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
    return HubConfig.hubCache(env, userHome);
  }

  /** The Hub settings of this environment (endpoint, cache, token, offline). */
  public HubConfig hubConfig() {
    return HubConfig.fromEnvironment(env, userHome);
  }

  /**
   * The first of {@code $VIDGEN_HOME/<alias>} and {@code $VIDGEN_HOME/<org>/<name>} (for each repository) that holds
   * a {@code model_index.json}, or null. Every place looked at is added to {@code searched}.
   *
   * @param alias the short name, or null for a plain repository id
   */
  public Path inVidgenHome(String alias, List<String> repoIds, List<String> searched) {
    String home = env.get("VIDGEN_HOME");
    if (home == null || home.isBlank()) {
      searched.add("$VIDGEN_HOME (not set)");
      return null;
    }
    List<Path> candidates = new ArrayList<>();
    if (alias != null) {
      candidates.add(Path.of(home, alias));
    }
    for (String repo : repoIds) {
      candidates.add(Path.of(home).resolve(repo));
    }
    for (Path p : candidates) {
      searched.add(p.toString());
      if (Files.isRegularFile(p.resolve("model_index.json"))) {
        return p;
      }
    }
    return null;
  }
}
