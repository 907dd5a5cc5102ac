package dev.vidgen.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.vidgen.api.CancellationToken;
import dev.vidgen.api.ConfigException;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.ProgressListener;
import dev.vidgen.schedulers.Schedulers;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a client asked for, validated: the fields of {@code POST /v1/jobs} (JSON or form fields, same names).
 * Unset fields are null and take the model's defaults when the job runs. Immutable, persisted inside the job
 * record, so a finished job shows the request that made it.
 *
 * @param model the canonical model name (an alias the registry knows)
 * @param prompt the prompt, possibly empty when an image is given
 * @param negativePrompt null = none
 * @param frames number of frames
 * @param height frame height
 * @param width frame width
 * @param steps denoising steps
 * @param guidance classifier-free guidance scale
 * @param seed seed of the initial noise; null = random, reported in the result
 * @param fps frame rate
 * @param scheduler a scheduler class name or alias ({@link Schedulers#resolve}); null = the model's own
 * @param format the container written
 * @param scale whole enlargement factor applied when writing; null = auto, as the CLI's {@code --scale auto}
 * @param image whether the job has an uploaded conditioning image (held as an upload file until it runs)
 */
record JobSpec(String model, String prompt, String negativePrompt, Integer frames, Integer height, Integer width,
    Integer steps, Double guidance, Long seed, Integer fps, String scheduler, Format format, Integer scale,
    boolean image) {

  /** The containers a job can ask for. */
  enum Format {
    MP4("mp4", "video/mp4"),
    GIF("gif", "image/gif");

    final String extension;
    final String contentType;

    Format(String extension, String contentType) {
      this.extension = extension;
      this.contentType = contentType;
    }

    static Format parse(String s) {
      for (Format f : values()) {
        if (f.extension.equalsIgnoreCase(s)) {
          return f;
        }
      }
      throw ApiException.badRequest("field 'format' must be mp4 or gif, got '" + s + "'");
    }
  }

  /** Field names accepted in a request, JSON and form alike ({@code image} only as a form part). */
  static final List<String> FIELDS = List.of("model", "prompt", "negative_prompt", "frames", "height", "width", "steps",
      "guidance", "seed", "fps", "scheduler", "format", "scale");

  static final int MAX_FRAMES = 512;
  static final int MAX_SIDE = 4096;
  static final int MAX_PROMPT_CHARS = 10_000;

  /**
   * Validates request fields. {@code formFields}: the values came from a multipart form, so they are all strings
   * and numbers are parsed from them; in JSON, numbers must be JSON numbers.
   *
   * @param modelName resolves a requested model to its canonical name; throws a 404 {@link ApiException} when unknown
   * @throws ApiException 400 naming the first invalid field
   */
  static JobSpec parse(Map<String, JsonElement> fields, boolean formFields, boolean hasImage, String defaultModel,
      java.util.function.UnaryOperator<String> modelName) {
    for (String key : fields.keySet()) {
      if (!FIELDS.contains(key)) {
        throw ApiException.badRequest("unknown field '" + key + "'; known fields: " + String.join(", ", FIELDS)
            + (formFields ? ", and an 'image' file part" : " (send an image as multipart/form-data)"));
      }
    }
    Fields f = new Fields(fields, formFields);
    String prompt = f.string("prompt", MAX_PROMPT_CHARS);
    if (prompt == null && !hasImage) {
      throw ApiException.badRequest("field 'prompt' is required (image-to-video models take an 'image' part instead)");
    }
    String requested = f.string("model", 200);
    String model = modelName.apply(requested == null ? defaultModel : requested);
    String scheduler = f.string("scheduler", 100);
    if (scheduler != null) {
      try {
        scheduler = Schedulers.resolve(scheduler);
      } catch (ConfigException e) {
        throw ApiException.badRequest("field 'scheduler': " + e.getMessage());
      }
    }
    String format = f.string("format", 10);
    String scale = f.string("scale", 10);
    Integer scaleFactor = null;
    if (scale != null && !scale.equalsIgnoreCase("auto")) {
      scaleFactor = f.intIn("scale", 1, 64);
    }
    return new JobSpec(model, prompt == null ? "" : prompt, f.string("negative_prompt", MAX_PROMPT_CHARS),
        f.intIn("frames", 1, MAX_FRAMES), f.intIn("height", 8, MAX_SIDE), f.intIn("width", 8, MAX_SIDE),
        f.intIn("steps", 1, 1000), f.doubleIn("guidance", 0, 100), f.longValue("seed"), f.intIn("fps", 1, 240),
        scheduler, format == null ? Format.MP4 : Format.parse(format), scaleFactor, hasImage);
  }

  /** The library request; {@code image} is the decoded upload or null. */
  GenerationRequest toRequest(BufferedImage image, ProgressListener listener, CancellationToken token) {
    GenerationRequest.Builder b = GenerationRequest.builder().prompt(prompt).onStep(listener).cancellation(token);
    if (negativePrompt != null) {
      b.negativePrompt(negativePrompt);
    }
    if (frames != null) {
      b.frames(frames);
    }
    if (height != null) {
      b.height(height);
    }
    if (width != null) {
      b.width(width);
    }
    if (steps != null) {
      b.steps(steps);
    }
    if (guidance != null) {
      b.guidanceScale(guidance);
    }
    if (seed != null) {
      b.seed(seed);
    }
    if (fps != null) {
      b.fps(fps);
    }
    if (image != null) {
      b.image(image);
    }
    return b.build();
  }

  /**
   * The enlargement written for a {@code height x width} video: {@link #scale} when set, else auto: videos under
   * 256 pixels on their long side (the demo model's 32x32) are enlarged by a whole factor to at least 256, so a
   * browser shows them at a visible size (the rule of the CLI's {@code --scale auto}).
   */
  int scaleFor(int videoHeight, int videoWidth) {
    if (scale != null) {
      return scale;
    }
    return autoScale(videoHeight, videoWidth);
  }

  /** The rule of the command line's {@code --scale auto} ({@code VidgenCli.autoScale}, which this module cannot see). */
  static int autoScale(int height, int width) {
    int side = Math.max(height, width);
    return side >= 256 ? 1 : (256 + side - 1) / side;
  }

  JsonObject toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("model", model);
    o.addProperty("prompt", prompt);
    o.addProperty("negative_prompt", negativePrompt);
    o.addProperty("frames", frames);
    o.addProperty("height", height);
    o.addProperty("width", width);
    o.addProperty("steps", steps);
    o.addProperty("guidance", guidance);
    o.addProperty("seed", seed);
    o.addProperty("fps", fps);
    o.addProperty("scheduler", scheduler);
    o.addProperty("format", format.extension);
    o.addProperty("scale", scale == null ? "auto" : scale.toString());
    o.addProperty("image", image);
    return o;
  }

  /** Reads back a persisted {@link #toJson()} (written by this server, so trusted to be well formed). */
  static JobSpec fromJson(JsonObject o) {
    String scale = str(o, "scale");
    return new JobSpec(str(o, "model"), str(o, "prompt"), str(o, "negative_prompt"), integer(o, "frames"),
        integer(o, "height"), integer(o, "width"), integer(o, "steps"),
        o.has("guidance") && !o.get("guidance").isJsonNull() ? o.get("guidance").getAsDouble() : null,
        o.has("seed") && !o.get("seed").isJsonNull() ? o.get("seed").getAsLong() : null, integer(o, "fps"),
        str(o, "scheduler"), Format.parse(str(o, "format")),
        scale == null || scale.equals("auto") ? null : Integer.valueOf(scale),
        o.has("image") && o.get("image").getAsBoolean());
  }

  private static String str(JsonObject o, String k) {
    return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : null;
  }

  private static Integer integer(JsonObject o, String k) {
    return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsInt() : null;
  }

  /** Typed access to request fields; every error names the field and what it got. */
  private record Fields(Map<String, JsonElement> values, boolean form) {
    private JsonPrimitive primitive(String name) {
      JsonElement e = values.get(name);
      if (e == null || e.isJsonNull()) {
        return null;
      }
      if (!e.isJsonPrimitive()) {
        throw ApiException.badRequest("field '" + name + "' must be a " + (name.equals("prompt")
            || name.equals("negative_prompt") || name.equals("model") ? "string" : "single value") + ", got " + e);
      }
      return e.getAsJsonPrimitive();
    }

    String string(String name, int maxChars) {
      JsonPrimitive p = primitive(name);
      if (p == null) {
        return null;
      }
      if (!p.isString() && !(p.isNumber() && (name.equals("scale") || name.equals("seed")))) {
        throw ApiException.badRequest("field '" + name + "' must be a string, got " + p);
      }
      String s = p.getAsString();
      if (s.length() > maxChars) {
        throw ApiException.badRequest("field '" + name + "' is " + s.length() + " characters long; at most "
            + maxChars + " are accepted");
      }
      return s;
    }

    private BigDecimal number(String name) {
      JsonPrimitive p = primitive(name);
      if (p == null) {
        return null;
      }
      String text = p.getAsString().trim();
      if (p.isNumber() || form || name.equals("seed") || name.equals("scale")) {
        try {
          return new BigDecimal(text);
        } catch (NumberFormatException e) {
          // fall through to the error below
        }
      }
      throw ApiException.badRequest("field '" + name + "' must be a number, got " + (p.isString() ? "'" + text + "'"
          : p.toString()));
    }

    Integer intIn(String name, int min, int max) {
      BigDecimal n = number(name);
      if (n == null) {
        return null;
      }
      if (n.stripTrailingZeros().scale() > 0 || n.compareTo(BigDecimal.valueOf(min)) < 0
          || n.compareTo(BigDecimal.valueOf(max)) > 0) {
        throw ApiException.badRequest(String.format(Locale.ROOT, "field '%s' must be a whole number from %d to %d, "
            + "got %s", name, min, max, n.toPlainString()));
      }
      return n.intValueExact();
    }

    Double doubleIn(String name, double min, double max) {
      BigDecimal n = number(name);
      if (n == null) {
        return null;
      }
      double d = n.doubleValue();
      if (!(d >= min && d <= max)) {
        throw ApiException.badRequest(String.format(Locale.ROOT, "field '%s' must be a number from %s to %s, got %s",
            name, min, max, n.toPlainString()));
      }
      return d;
    }

    Long longValue(String name) {
      BigDecimal n = number(name);
      if (n == null) {
        return null;
      }
      try {
        return n.longValueExact();
      } catch (ArithmeticException e) {
        throw ApiException.badRequest("field '" + name + "' must be a whole number that fits in 64 bits, got "
            + n.toPlainString());
      }
    }
  }
}
