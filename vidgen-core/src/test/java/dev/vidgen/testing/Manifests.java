package dev.vidgen.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.TensorShapes;
import dev.vidgen.weights.WeightLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Real-architecture checks against {@code fixtures/manifests/<name>}: a model built from the published {@code
 * config.json} over {@link ManifestWeights} must request exactly the manifest's tensors with their shapes.
 */
public final class Manifests {
  private Manifests() {}

  public static Path dir(String name) {
    Path d = Fixtures.root().resolve("manifests").resolve(name);
    if (!Files.isDirectory(d)) {
      fail("manifest '" + name + "' is missing under " + d.getParent() + ". HINT: copy shared/manifests/" + name);
    }
    return d;
  }

  public static JsonConfig config(String name) {
    return JsonConfig.read(dir(name).resolve("config.json"));
  }

  public static ManifestWeights weights(String name) {
    return ManifestWeights.read(dir(name).resolve("manifest.json"));
  }

  /** The manifest's {@code alternate_configs}, each as a JsonConfig (with {@code same_tensors} true). */
  public static List<JsonConfig> alternates(String name) {
    List<JsonConfig> out = new ArrayList<>();
    try {
      JsonObject root = JsonParser.parseString(Files.readString(dir(name).resolve("manifest.json")))
          .getAsJsonObject();
      if (root.has("alternate_configs")) {
        int i = 0;
        for (JsonElement e : root.getAsJsonArray("alternate_configs")) {
          JsonObject alt = e.getAsJsonObject();
          out.add(new JsonConfig(name + "/alternate_configs[" + i++ + "]", alt.getAsJsonObject("config")));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Fails unless the loader requested exactly the source's keys, each with the manifest's shape. */
  public static void assertRequestedEqualsManifest(String name, WeightLoader loader) {
    Map<String, long[]> requested = loader.requested();
    Map<String, String> expected = new LinkedHashMap<>();
    for (String k : loader.source().keys()) {
      expected.put(k, TensorShapes.str(loader.source().info(k).shape()));
    }
    TreeSet<String> missing = new TreeSet<>(expected.keySet());
    missing.removeAll(requested.keySet());
    TreeSet<String> extra = new TreeSet<>(requested.keySet());
    extra.removeAll(expected.keySet());
    List<String> wrongShape = new ArrayList<>();
    for (Map.Entry<String, long[]> e : requested.entrySet()) {
      String exp = expected.get(e.getKey());
      if (exp != null && !exp.equals(TensorShapes.str(e.getValue()))) {
        wrongShape.add(e.getKey() + " " + TensorShapes.str(e.getValue()) + " != " + exp);
      }
    }
    if (!missing.isEmpty() || !extra.isEmpty() || !wrongShape.isEmpty()) {
      fail(name + ": requested tensors differ from the manifest (" + expected.size() + " tensors): not requested "
          + first(missing) + ", requested but absent " + first(extra) + ", wrong shapes " + wrongShape);
    }
  }

  private static List<String> first(TreeSet<String> s) {
    return new ArrayList<>(s).subList(0, Math.min(10, s.size()));
  }
}
