package dev.vidgen.spi;

import com.google.gson.JsonElement;
import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A diffusers pipeline folder's {@code model_index.json}: the pipeline class and, per component folder, the
 * library and class that built it (e.g. {@code "unet": ["diffusers", "UNet3DConditionModel"]}).
 *
 * @param folder the pipeline folder
 * @param pipelineClass {@code _class_name}, e.g. {@code TextToVideoSDPipeline}
 * @param components component name → {@code [library, class]} (null entries for optional components left out)
 */
public record ModelIndex(Path folder, String pipelineClass, Map<String, List<String>> components) {

  /** Reads {@code <folder>/model_index.json}. */
  public static ModelIndex read(Path folder) {
    Path file = folder.resolve("model_index.json");
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(folder + " is not a diffusers pipeline folder: model_index.json is missing");
    }
    JsonConfig cfg = JsonConfig.read(file);
    String cls = cfg.getString("_class_name", null);
    if (cls == null) {
      throw cfg.error("_class_name", "is required (the diffusers pipeline class)");
    }
    Map<String, List<String>> comps = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : cfg.json().entrySet()) {
      if (e.getKey().startsWith("_") || !e.getValue().isJsonArray()) {
        continue;
      }
      var arr = e.getValue().getAsJsonArray();
      if (arr.size() == 2 && !arr.get(0).isJsonNull() && !arr.get(1).isJsonNull()) {
        comps.put(e.getKey(), List.of(arr.get(0).getAsString(), arr.get(1).getAsString()));
      }
    }
    return new ModelIndex(folder, cls, Map.copyOf(comps));
  }

  /** The class of a component, or null. */
  public String componentClass(String name) {
    List<String> c = components.get(name);
    return c == null ? null : c.get(1);
  }

  /** The folder of a component; fails with the folder and component named when it is missing. */
  public Path componentDir(String name) {
    Path dir = folder.resolve(name);
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(folder + ": component folder '" + name + "/' is missing (model_index.json lists "
          + components.keySet() + ")");
    }
    return dir;
  }
}
