package dev.vidgen.schedulers;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.vidgen.api.ConfigException;
import dev.vidgen.weights.JsonConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds schedulers from diffusers configs: {@link #fromConfig} dispatches on {@code _class_name} (what
 * {@code SchedulerMixin.from_pretrained} does), {@link #switchTo} is diffusers' {@code NewClass.from_config(
 * base.config)} (how users swap the sampler of a pipeline).
 */
public final class Schedulers {
  private static final Map<String, Function<JsonConfig, Scheduler>> CLASSES = new LinkedHashMap<>();
  private static final Map<String, String> ALIASES = new LinkedHashMap<>();

  static {
    CLASSES.put(DDIMScheduler.CLASS_NAME, DDIMScheduler::new);
    CLASSES.put(DPMSolverMultistepScheduler.CLASS_NAME, DPMSolverMultistepScheduler::new);
    CLASSES.put(EulerDiscreteScheduler.CLASS_NAME, EulerDiscreteScheduler::new);
    CLASSES.put(EulerAncestralDiscreteScheduler.CLASS_NAME, EulerAncestralDiscreteScheduler::new);
    CLASSES.put(FlowMatchEulerDiscreteScheduler.CLASS_NAME, FlowMatchEulerDiscreteScheduler::new);
    CLASSES.put(CogVideoXDDIMScheduler.CLASS_NAME, CogVideoXDDIMScheduler::new);
    ALIASES.put("ddim", DDIMScheduler.CLASS_NAME);
    ALIASES.put("dpm++", DPMSolverMultistepScheduler.CLASS_NAME);
    ALIASES.put("dpmsolver++", DPMSolverMultistepScheduler.CLASS_NAME);
    ALIASES.put("dpm-solver", DPMSolverMultistepScheduler.CLASS_NAME);
    ALIASES.put("euler", EulerDiscreteScheduler.CLASS_NAME);
    ALIASES.put("euler-a", EulerAncestralDiscreteScheduler.CLASS_NAME);
    ALIASES.put("euler-ancestral", EulerAncestralDiscreteScheduler.CLASS_NAME);
    ALIASES.put("flow-match", FlowMatchEulerDiscreteScheduler.CLASS_NAME);
    ALIASES.put("cogvideox-ddim", CogVideoXDDIMScheduler.CLASS_NAME);
  }

  private Schedulers() {}

  /** A scheduler from its {@code scheduler_config.json}, by {@code _class_name}. */
  public static Scheduler fromConfig(JsonConfig config) {
    String className = config.getString("_class_name", null);
    if (className == null) {
      throw config.error("_class_name", "is missing: cannot tell which scheduler this config is for (known: "
          + List.copyOf(CLASSES.keySet()) + ")");
    }
    Function<JsonConfig, Scheduler> factory = CLASSES.get(className);
    if (factory == null) {
      throw config.error("_class_name", "'" + className + "' is not a scheduler vidgen implements; known: "
          + List.copyOf(CLASSES.keySet()) + " (switch to one with Schedulers.switchTo)");
    }
    return factory.apply(config);
  }

  /**
   * diffusers' {@code NewClass.from_config(base.config)}: the new class takes the fields it knows from
   * {@code base} and its own defaults for the rest. As in diffusers, fields that {@code base} lists in
   * {@code _use_default_values} (defaults of the old class, not choices of the model's authors) are dropped first,
   * so the new class applies its own defaults to them. Other fields stay in the config, as diffusers keeps them
   * in {@code scheduler.config} (DPM-Solver's Karras sigmas then honour a {@code sigma_min} carried over).
   *
   * @param nameOrClass a diffusers class name or an alias from {@link #knownNames()}
   */
  public static Scheduler switchTo(JsonConfig base, String nameOrClass) {
    String className = resolve(nameOrClass);
    JsonObject json = base.json().deepCopy();
    JsonElement usedDefaults = json.remove("_use_default_values");
    if (usedDefaults != null && usedDefaults.isJsonArray()) {
      for (JsonElement key : usedDefaults.getAsJsonArray()) {
        if (key.isJsonPrimitive()) {
          json.remove(key.getAsString());
        }
      }
    }
    json.addProperty("_class_name", className);
    return CLASSES.get(className).apply(new JsonConfig(base.file() + " (as " + className + ")", json));
  }

  /** The diffusers class name for a class name or alias (case-insensitive). */
  public static String resolve(String nameOrClass) {
    if (nameOrClass != null) {
      for (String className : CLASSES.keySet()) {
        if (className.equalsIgnoreCase(nameOrClass.trim())) {
          return className;
        }
      }
      String alias = ALIASES.get(nameOrClass.trim().toLowerCase(Locale.ROOT));
      if (alias != null) {
        return alias;
      }
    }
    throw new ConfigException("unknown scheduler '" + nameOrClass + "'; known: " + String.join(", ", knownNames()));
  }

  /** Every accepted name: the diffusers class names, then the short aliases. */
  public static List<String> knownNames() {
    List<String> out = new ArrayList<>(CLASSES.keySet());
    out.addAll(ALIASES.keySet());
    return List.copyOf(out);
  }
}
