package dev.vidgen.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, validating access to a diffusers JSON config ({@code config.json}, {@code scheduler_config.json}, {@code
 * model_index.json}). Each getter takes the diffusers {@code __init__} default for an absent (or null) field and
 * throws a {@link ConfigException} naming the file and the field for a value of the wrong type. Keys that were
 * never read are reported by {@link #unknownKeys()} so that nothing is silently dropped.
 *
 * <p>Config records ({@code UNet3DConfig}, {@code DDIMSchedulerConfig}, ...) are built from this in their {@code
 * parse} factories.
 */
public final class JsonConfig {
  private final String file;
  private final JsonObject json;
  private final Set<String> read = new LinkedHashSet<>();

  public JsonConfig(String file, JsonObject json) {
    this.file = file;
    this.json = json;
  }

  /** Reads a file; the message of a missing or malformed file names it. */
  public static JsonConfig read(Path path) {
    String display = path.getParent() != null && path.getParent().getFileName() != null
        ? path.getParent().getFileName() + "/" + path.getFileName() : path.toString();
    try {
      JsonElement el = JsonParser.parseString(Files.readString(path));
      if (!el.isJsonObject()) {
        throw new ConfigException(display + ": expected a JSON object");
      }
      return new JsonConfig(display, el.getAsJsonObject());
    } catch (NoSuchFileException e) {
      throw new ConfigException(path + ": file is missing");
    } catch (IOException e) {
      throw new ConfigException(path + ": cannot read: " + e.getMessage(), e);
    } catch (com.google.gson.JsonParseException e) {
      throw new ConfigException(display + ": not well-formed JSON: " + e.getMessage(), e);
    }
  }

  public static JsonConfig parse(String file, String text) {
    try {
      return new JsonConfig(file, JsonParser.parseString(text).getAsJsonObject());
    } catch (RuntimeException e) {
      throw new ConfigException(file + ": not a well-formed JSON object: " + e.getMessage(), e);
    }
  }

  /** The file name used in messages, e.g. {@code unet/config.json}. */
  public String file() {
    return file;
  }

  public JsonObject json() {
    return json;
  }

  /** A derived config: this one with some fields replaced (diffusers' {@code from_config(config, **overrides)}). */
  public JsonConfig with(String key, JsonElement value) {
    JsonObject copy = json.deepCopy();
    copy.add(key, value);
    return new JsonConfig(file, copy);
  }

  /** True when the field is present and not null. */
  public boolean has(String key) {
    return json.has(key) && !json.get(key).isJsonNull();
  }

  private JsonElement el(String key) {
    read.add(key);
    return has(key) ? json.get(key) : null;
  }

  public ConfigException error(String key, String what) {
    return new ConfigException(file + ": " + key + " " + what);
  }

  public int getInt(String key, int def) {
    JsonElement e = el(key);
    if (e == null) {
      return def;
    }
    return toInt(key, e);
  }

  public int requireInt(String key) {
    JsonElement e = el(key);
    if (e == null) {
      throw error(key, "is required");
    }
    return toInt(key, e);
  }

  private int toInt(String key, JsonElement e) {
    try {
      double d = e.getAsDouble();
      if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE || !e.isJsonPrimitive()
          || !e.getAsJsonPrimitive().isNumber()) {
        throw error(key, "must be an integer, got " + e);
      }
      return (int) d;
    } catch (UnsupportedOperationException | IllegalStateException | NumberFormatException ex) {
      throw error(key, "must be an integer, got " + e);
    }
  }

  public double getDouble(String key, double def) {
    JsonElement e = el(key);
    if (e == null) {
      return def;
    }
    return toDouble(key, e);
  }

  /** A double or null when absent/null. */
  public Double getDoubleOrNull(String key) {
    JsonElement e = el(key);
    return e == null ? null : toDouble(key, e);
  }

  private double toDouble(String key, JsonElement e) {
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      // Python's json writes -inf/inf/nan as bare tokens; some tools quote them.
      switch (e.getAsString()) {
        case "-inf", "-Infinity": return Double.NEGATIVE_INFINITY;
        case "inf", "Infinity": return Double.POSITIVE_INFINITY;
        default: throw error(key, "must be a number, got " + e);
      }
    }
    try {
      if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
        throw error(key, "must be a number, got " + e);
      }
      return e.getAsDouble();
    } catch (UnsupportedOperationException | IllegalStateException | NumberFormatException ex) {
      throw error(key, "must be a number, got " + e);
    }
  }

  public boolean getBool(String key, boolean def) {
    JsonElement e = el(key);
    if (e == null) {
      return def;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw error(key, "must be true or false, got " + e);
    }
    return e.getAsBoolean();
  }

  public String getString(String key, String def) {
    JsonElement e = el(key);
    if (e == null) {
      return def;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw error(key, "must be a string, got " + e);
    }
    return e.getAsString();
  }

  /** Parses a string option into an enum by its {@link ConfigEnum#jsonName()}; the error lists the allowed values. */
  public <E extends Enum<E> & ConfigEnum> E getEnum(String key, Class<E> type, E def) {
    String s = getString(key, null);
    if (s == null) {
      return def;
    }
    for (E v : type.getEnumConstants()) {
      if (v.jsonName().equals(s)) {
        return v;
      }
    }
    List<String> allowed = new ArrayList<>();
    for (E v : type.getEnumConstants()) {
      allowed.add(v.jsonName());
    }
    throw error(key, "must be one of " + allowed + ", got '" + s + "'");
  }

  public List<String> getStringList(String key, List<String> def) {
    JsonElement e = el(key);
    if (e == null) {
      return def;
    }
    if (!e.isJsonArray()) {
      throw error(key, "must be a list of strings, got " + e);
    }
    List<String> out = new ArrayList<>();
    for (JsonElement x : e.getAsJsonArray()) {
      if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
        throw error(key, "must be a list of strings, got " + e);
      }
      out.add(x.getAsString());
    }
    return List.copyOf(out);
  }

  public int[] getIntArray(String key, int[] def) {
    JsonElement e = el(key);
    if (e == null) {
      return def == null ? null : def.clone();
    }
    if (!e.isJsonArray()) {
      throw error(key, "must be a list of integers, got " + e);
    }
    JsonArray a = e.getAsJsonArray();
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toInt(key + "[" + i + "]", a.get(i));
    }
    return out;
  }

  public double[] getDoubleArray(String key, double[] def) {
    JsonElement e = el(key);
    if (e == null) {
      return def == null ? null : def.clone();
    }
    if (!e.isJsonArray()) {
      throw error(key, "must be a list of numbers, got " + e);
    }
    JsonArray a = e.getAsJsonArray();
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toDouble(key + "[" + i + "]", a.get(i));
    }
    return out;
  }

  /**
   * A field diffusers accepts as either one int or a per-block list (e.g. {@code attention_head_dim}); a single
   * value is repeated {@code n} times, a list must have {@code n} entries.
   */
  public int[] getIntOrList(String key, int def, int n, String lengthField) {
    JsonElement e = el(key);
    if (e == null) {
      int[] out = new int[n];
      Arrays.fill(out, def);
      return out;
    }
    if (e.isJsonArray()) {
      int[] out = getIntArray(key, null);
      if (out.length != n) {
        throw error(key, "has " + out.length + " entries but " + lengthField + " has " + n);
      }
      return out;
    }
    int v = toInt(key, e);
    int[] out = new int[n];
    Arrays.fill(out, v);
    return out;
  }

  /** Marks keys as known without reading them (fields diffusers itself ignores at inference). */
  public void markKnown(String... keys) {
    read.addAll(Arrays.asList(keys));
  }

  /** Fields present in the file that no getter read, except diffusers' bookkeeping ({@code _class_name}, ...). */
  public Set<String> unknownKeys() {
    Set<String> out = new TreeSet<>();
    for (String k : json.keySet()) {
      if (!k.startsWith("_") && !read.contains(k)) {
        out.add(k);
      }
    }
    return out;
  }

  /** Logs unknown keys once, as diffusers does, rather than dropping them silently. */
  public void logUnknown(String owner) {
    Set<String> unknown = unknownKeys();
    if (!unknown.isEmpty()) {
      System.getLogger("dev.vidgen.config").log(System.Logger.Level.INFO,
          "{0}: fields not used by {1}: {2}", file, owner, unknown);
    }
  }

  @Override
  public String toString() {
    return file + " " + json;
  }
}
