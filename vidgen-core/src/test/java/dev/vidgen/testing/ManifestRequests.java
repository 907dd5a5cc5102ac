package dev.vidgen.testing;

import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.weights.ManifestWeights;
import dev.vidgen.weights.TensorInfo;
import dev.vidgen.weights.TensorShapes;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The real-architecture check of {@code fixtures/manifests/<name>}: a model built from the published config against
 * {@link ManifestWeights} must request exactly the manifest's tensors (names and shapes), nothing more or less.
 */
public final class ManifestRequests {
  private ManifestRequests() {}

  public static Path dir(String name) {
    Path d = Fixtures.root().resolve("manifests").resolve(name);
    if (!Files.isDirectory(d)) {
      fail("manifest '" + name + "' is missing under " + d.getParent() + ". HINT: copy shared/manifests/" + name
          + " byte for byte (see fixtures/manifests/README.md).");
    }
    return d;
  }

  public static JsonObject manifest(String name) {
    try {
      return JsonParser.parseString(Files.readString(dir(name).resolve("manifest.json"))).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code config} objects of {@code alternate_configs} (each must give the identical tensor list). */
  public static List<JsonObject> alternateConfigs(String name) {
    List<JsonObject> out = new ArrayList<>();
    JsonObject m = manifest(name);
    if (m.has("alternate_configs")) {
      for (JsonElement e : m.getAsJsonArray("alternate_configs")) {
        out.add(e.getAsJsonObject().getAsJsonObject("config"));
      }
    }
    return out;
  }

  /**
   * Builds a model with {@code build} against the manifest's tensors (zero-stride views, nothing allocated) and
   * checks that the requested names and shapes equal the manifest's; then runs the strict {@code finish} with the
   * model's ignorable keys.
   */
  public static void assertRequestsEqualManifest(String name, String modelClass, List<String> ignorable,
      Function<Weights, ?> build) {
    ManifestWeights source = ManifestWeights.read(dir(name).resolve("manifest.json"));
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
      WeightLoader loader = new WeightLoader(source, m, DataType.FLOAT32);
      build.apply(loader.root());
      Map<String, long[]> requested = loader.requested();
      TreeSet<String> missing = new TreeSet<>();
      TreeSet<String> extra = new TreeSet<>(requested.keySet());
      List<String> wrongShape = new ArrayList<>();
      for (String key : source.keys()) {
        TensorInfo t = source.info(key);
        extra.remove(key);
        long[] asked = requested.get(key);
        if (asked == null) {
          missing.add(key);
        } else if (!Arrays.equals(asked, t.shape())) {
          wrongShape.add(key + ": requested " + TensorShapes.str(asked) + ", manifest " + t.shapeString());
        }
      }
      if (!missing.isEmpty() || !extra.isEmpty() || !wrongShape.isEmpty()) {
        fail(name + ": " + modelClass + " built from the real config asks for other tensors than diffusers/"
            + "transformers builds.\n  not requested (" + missing.size() + "): " + head(missing)
            + "\n  requested but absent (" + extra.size() + "): " + head(extra)
            + "\n  shape differs (" + wrongShape.size() + "): " + head(wrongShape));
      }
      loader.finish(modelClass, ignorable);
    }
  }

  /** The manifest's {@code extra_keys_in_published_checkpoint} keys. */
  public static List<String> extraKeysInPublishedCheckpoint(String name) {
    List<String> out = new ArrayList<>();
    JsonObject m = manifest(name);
    if (m.has("extra_keys_in_published_checkpoint")) {
      JsonArray a = m.getAsJsonArray("extra_keys_in_published_checkpoint");
      for (JsonElement e : a) {
        out.add(e.getAsJsonObject().get("key").getAsString());
      }
    }
    return out;
  }

  private static String head(java.util.Collection<String> c) {
    List<String> l = new ArrayList<>(c);
    return l.subList(0, Math.min(15, l.size())) + (l.size() > 15 ? " ..." : "");
  }
}
