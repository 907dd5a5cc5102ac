package dev.vidgen.hub;

import dev.vidgen.api.ModelNotFoundException;
import dev.vidgen.api.UnsupportedModelException;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.spi.ModelIndex;
import dev.vidgen.spi.ModelProvider;
import dev.vidgen.spi.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what a user names into a diffusers folder on disk, in this order:
 * <ol>
 *   <li>a folder path;
 *   <li>a model a provider ships in its jar ({@code demo});
 *   <li>{@code $VIDGEN_HOME/<alias>} or {@code $VIDGEN_HOME/<org>/<name>} (unless a revision is asked for);
 *   <li>the Hugging Face repository: an alias's repositories ({@code modelscope} → {@code ali-vilab/...}), or any
 *       {@code org/name[@revision]}. Online, the Hub is asked which commit the revision names and what is missing from
 *       the cache is downloaded ({@link Hub}); offline, the cache alone answers.
 * </ol>
 * Any repository whose {@code model_index.json} names a pipeline class an installed provider runs loads, so fine-tunes
 * under their own ids work; another class is refused before its weights are downloaded.
 */
public final class ModelResolver {
  /**
   * Where a name led.
   *
   * @param folder the diffusers folder
   * @param match the provider and variant the name matched in the registry, or null (a folder, a plain repository id)
   * @param repo the repository and revision the folder is a snapshot of, or null
   */
  public record Resolved(Path folder, ModelRegistry.Match match, RepoRef repo) {}

  private final ModelRegistry registry;
  private final ModelLocator locator;
  private final HubConfig hub;

  public ModelResolver(ModelRegistry registry, ModelLocator locator, HubConfig hub) {
    this.registry = registry;
    this.locator = locator;
    this.hub = hub;
  }

  /**
   * @param model a folder, an id or alias, or {@code org/name[@revision]}
   * @param revision a revision that overrides the default {@code main}, or null
   * @param variant the weight variant to download (e.g. {@code fp16}), or null
   */
  public Resolved resolve(String model, String revision, String variant) {
    if (revision == null && isDirectory(model)) {
      return new Resolved(Path.of(model), null, null);
    }
    String base = model;
    String rev = revision;
    int at = model.indexOf('@');
    if (at > 0) {
      base = model.substring(0, at);
      String inName = model.substring(at + 1);
      if (rev != null && !rev.equals(inName)) {
        throw new IllegalArgumentException("'" + model + "' names revision '" + inName + "' but revision '" + rev
            + "' was asked for too");
      }
      rev = inName;
    }
    ModelRegistry.Match m = registry.find(base);
    String alias = null;
    List<String> repos = new ArrayList<>();
    if (m != null && m.variant() != null) {
      if (m.provider() instanceof VideoPipeline.EmbeddedModels e && e.embedded(m.variant()) != null) {
        if (rev != null) {
          throw new IllegalArgumentException("'" + base + "' is shipped in the jar; it has no revisions");
        }
        return new Resolved(e.embedded(m.variant()), m, null);
      }
      alias = m.variant().alias();
      if (RepoRef.isRepoId(base)) {
        repos.add(base); // the repository the user typed first, then the alias's others
      }
      for (String r : m.variant().repoIds()) {
        if (!repos.contains(r)) {
          repos.add(r);
        }
      }
    } else if (RepoRef.isRepoId(base)) {
      repos.add(base);
    } else {
      throw new ModelNotFoundException((base.contains("/") || base.contains(java.io.File.separator)
          ? "'" + model + "' is neither a folder, a known model nor a Hugging Face repository id (org/name)"
          : "unknown model '" + model + "'; pass the path of a diffusers folder or a Hugging Face repository id "
              + "(org/name)") + "; known models: " + registry.knownNames());
    }
    if (repos.isEmpty()) {
      throw new ModelNotFoundException("model '" + model + "' names no Hugging Face repository and is not shipped "
          + "in the jar");
    }
    List<String> searched = new ArrayList<>();
    if (rev == null) {
      Path mine = locator.inVidgenHome(alias, repos, searched);
      if (mine != null) {
        return new Resolved(mine, m, null);
      }
    }
    Hub h = new Hub(hub);
    RepoRef chosen = null;
    for (String r : repos) {
      RepoRef ref = new RepoRef(r, rev);
      searched.add(h.cache().repoDir(ref).toString());
      if (chosen == null && h.cached(ref) != null) {
        chosen = ref; // prefer a repository already in the cache (e.g. the damo-vilab copy of ModelScope)
      }
    }
    if (chosen == null) {
      chosen = new RepoRef(repos.get(0), rev);
    }
    if (hub.offline()) {
      Path cached = h.cached(chosen);
      if (cached == null) {
        throw new ModelNotFoundException("model '" + model + "' is not on this machine and downloads are off "
            + "(HF_HUB_OFFLINE=1 or the offline option); searched: " + String.join(", ", searched)
            + ". Go online once (vidgen pull " + chosen + ") or pass the path of a diffusers folder.");
      }
      return new Resolved(cached, m, chosen);
    }
    ModelProvider expected = m == null ? null : m.provider();
    Path folder = h.snapshot(chosen, variant, snapshot -> checkSupported(snapshot, expected, model));
    return new Resolved(folder, m, chosen);
  }

  /** Refuses a pipeline class no provider runs (or that another provider than the named one runs). */
  private void checkSupported(Path folder, ModelProvider expected, String model) {
    ModelIndex index = ModelIndex.read(folder);
    ModelProvider byClass = registry.forPipelineClass(index);
    if (expected != null && expected != byClass) {
      throw new UnsupportedModelException(folder + ": model_index.json names " + index.pipelineClass()
          + ", which provider '" + byClass.id() + "' runs, not '" + expected.id() + "' that serves '" + model + "'");
    }
  }

  private static boolean isDirectory(String model) {
    try {
      return Files.isDirectory(Path.of(model));
    } catch (InvalidPathException e) {
      return false;
    }
  }
}
