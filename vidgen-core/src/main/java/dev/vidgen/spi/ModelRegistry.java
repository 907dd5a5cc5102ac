package dev.vidgen.spi;

import dev.vidgen.api.UnsupportedModelException;
import dev.vidgen.api.VidgenException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The installed {@link ModelProvider}s, indexed by id, alias, repository id and pipeline class. Built once from
 * {@link ServiceLoader} (or from an explicit list, for tests and plugin hosts). Ambiguity is an error, never
 * resolved by classpath order.
 */
public final class ModelRegistry {
  /** What a name resolved to. */
  public record Match(ModelProvider provider, ModelVariant variant) {}

  private final List<ModelProvider> providers;
  private final Map<String, Match> byName = new TreeMap<>();
  private final Map<String, ModelProvider> byPipelineClass = new LinkedHashMap<>();

  public ModelRegistry(List<ModelProvider> providers) {
    this.providers = List.copyOf(providers);
    for (ModelProvider p : this.providers) {
      claim(p.id(), new Match(p, p.variants().isEmpty() ? null : p.variants().get(0)));
      for (ModelVariant v : p.variants()) {
        claim(v.alias(), new Match(p, v));
        for (String repo : v.repoIds()) {
          claim(repo, new Match(p, v));
        }
      }
      for (String cls : p.pipelineClasses()) {
        ModelProvider prev = byPipelineClass.put(cls, p);
        if (prev != null && prev != p) {
          throw new VidgenException("two model providers claim pipeline class '" + cls + "': "
              + prev.getClass().getName() + " and " + p.getClass().getName());
        }
      }
    }
  }

  private void claim(String name, Match m) {
    String key = name.toLowerCase(Locale.ROOT);
    Match prev = byName.get(key);
    if (prev != null && prev.provider() != m.provider()) {
      throw new VidgenException("two model providers claim the id '" + name + "': "
          + prev.provider().getClass().getName() + " and " + m.provider().getClass().getName());
    }
    if (prev == null || m.variant() != null && prev.variant() == null) {
      byName.put(key, m);
    }
  }

  /** The providers found by {@link ServiceLoader} on the context class path. */
  public static ModelRegistry installed() {
    List<ModelProvider> list = new ArrayList<>();
    ServiceLoader.load(ModelProvider.class).forEach(list::add);
    return new ModelRegistry(list);
  }

  public List<ModelProvider> providers() {
    return providers;
  }

  /** By id, alias or repository id (case-insensitive); null when unknown. */
  public Match find(String name) {
    return byName.get(name.toLowerCase(Locale.ROOT));
  }

  /**
   * The remote provider for a name of the form {@code <id>:<model>} whose {@code <id>} is a {@link
   * RemoteModelProvider}'s (case-insensitive), or null. Model names after the colon are not checked here: the
   * provider passes unknown ones on to its service.
   */
  public RemoteModelProvider findRemote(String name) {
    int colon = name.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    String prefix = name.substring(0, colon);
    for (ModelProvider p : providers) {
      if (p instanceof RemoteModelProvider r && r.id().equalsIgnoreCase(prefix)) {
        return r;
      }
    }
    return null;
  }

  /** Every name that {@link #find} knows, sorted. */
  public List<String> knownNames() {
    return List.copyOf(byName.keySet());
  }

  /** The provider for a folder's pipeline class; the error lists the classes installed providers run. */
  public ModelProvider forPipelineClass(ModelIndex index) {
    ModelProvider p = byPipelineClass.get(index.pipelineClass());
    if (p == null) {
      throw new UnsupportedModelException(index.folder() + ": pipeline class '" + index.pipelineClass()
          + "' (model_index.json) is not run by any installed model provider; installed providers run "
          + byPipelineClass.keySet() + (providers.isEmpty() ? " (none: add a vidgen-model-* module to the "
              + "classpath)" : ""));
    }
    return p;
  }
}
