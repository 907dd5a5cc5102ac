package dev.vidgen.models.runway;

import com.google.gson.JsonObject;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.models.runway.RunwayModel.Endpoint;
import dev.vidgen.models.runway.RunwayModel.Limits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * A {@link GenerationRequest} as the body of a Runway create call, checked against the model's limits when vidgen
 * knows the model ({@link RunwayModel#KNOWN}). The mapping:
 *
 * <ul>
 *   <li><b>Endpoint</b>: {@code image_to_video} when the request has an image ({@code image} or {@code imageUri}),
 *       else {@code text_to_video}.
 *   <li>{@code prompt} → {@code promptText} (omitted when empty and the endpoint allows it).
 *   <li>{@code image} → {@code promptImage} as a {@code data:image/png;base64,...} URI (JPEG at quality 0.92 when the
 *       PNG would pass Runway's 5 MB data URI limit); {@code imageUri} → {@code promptImage} as given (an {@code https}
 *       URL Runway downloads itself, or a {@code data:} URI).
 *   <li>{@code width} × {@code height} → {@code ratio} ({@code "1280:720"} is 1280 wide, 720 high). Unset: the model's
 *       first size. A size the model makes is used as it is; another size of the same shape (640x360 for 1280:720)
 *       picks that shape, and the video comes at Runway's size; only one of the two picks the size with that width
 *       or height. Anything else is an error listing the sizes. Unknown models: {@code "W:H"} as given.
 *   <li>{@code frames} ÷ {@code fps} → {@code duration}: the shortest duration the model offers that is at least
 *       that many seconds ({@code fps} defaults to Runway's {@value RunwayModel#RUNWAY_FPS}); unset frames take the
 *       model's default duration. The video has the frames Runway renders (duration × 24), at Runway's frame rate.
 *       Unknown models: whole seconds rounded up, or nothing when frames is unset.
 *   <li>{@code seed} → {@code seed} (0 to 4294967295), {@code negativePrompt} → {@code negativePrompt}, for models
 *       whose schema has them; for others setting them is an error. Models with an {@code audio} switch get {@code
 *       false}: a {@code Video} has no sound, and audio costs extra.
 *   <li>Settings of local diffusion models ({@code steps}, {@code guidanceScale}, {@code eta}, initial latents, SVD
 *       and LTX knobs, ...) have no Runway equivalent: setting any of them is an error rather than silently ignored.
 * </ul>
 */
final class RunwayRequest {
  /** Runway's limit on a data URI: 5 MB (https://docs.dev.runwayml.com/assets/inputs). */
  static final int MAX_DATA_URI_CHARS = 5 * 1024 * 1024;
  static final long MAX_SEED = 4294967295L;

  private RunwayRequest() {}

  /**
   * What to send.
   *
   * @param endpoint where
   * @param body the JSON body
   * @param ratio the {@code ratio} sent, or null
   * @param duration the {@code duration} sent in seconds, or null
   */
  record Prepared(Endpoint endpoint, JsonObject body, String ratio, Integer duration) {
    /** For logs: no prompt, no image. */
    String summary() {
      return body.get("model").getAsString() + " " + endpoint.label() + (ratio == null ? "" : ", ratio " + ratio)
          + (duration == null ? "" : ", " + duration + " s");
    }
  }

  /**
   * Maps and checks a request.
   *
   * @param model the name after {@code runway:}
   * @param known its limits, or null for a model vidgen does not know (passed through)
   * @param label the name the user loaded, for messages ({@code runway:gen4.5})
   */
  static Prepared prepare(String model, RunwayModel known, GenerationRequest req, String label) {
    refuseLocalSettings(req, label);
    boolean hasImage = req.image() != null || req.imageUri() != null;
    Endpoint endpoint = hasImage ? Endpoint.IMAGE_TO_VIDEO : Endpoint.TEXT_TO_VIDEO;
    Limits limits = null;
    if (known != null) {
      limits = known.endpoints().get(endpoint);
      if (limits == null) {
        throw new IllegalArgumentException(label + " is " + known.endpointsText() + " only: "
            + (hasImage ? "remove the image" : "set an image (GenerationRequest.image or imageUri; --image)"));
      }
    }
    JsonObject body = new JsonObject();
    body.addProperty("model", model);

    String prompt = req.prompt() == null ? "" : req.prompt();
    if (limits != null) {
      if (limits.promptRequired() && prompt.isBlank()) {
        throw new IllegalArgumentException(label + " " + endpoint.label() + " needs a prompt (promptText)");
      }
      if (prompt.length() > limits.maxPromptLength()) {
        throw new IllegalArgumentException("prompt is " + prompt.length() + " characters (UTF-16 units) but " + label
            + " takes at most " + limits.maxPromptLength());
      }
    }
    if (!prompt.isBlank()) {
      body.addProperty("promptText", prompt);
    } else if (endpoint == Endpoint.TEXT_TO_VIDEO) {
      throw new IllegalArgumentException(label + " text-to-video needs a prompt (promptText)");
    }

    if (req.imageUri() != null) {
      String uri = req.imageUri().toString();
      if (uri.length() > MAX_DATA_URI_CHARS) {
        throw new IllegalArgumentException("imageUri is " + uri.length() + " characters; Runway accepts at most "
            + MAX_DATA_URI_CHARS + " (5 MB): host the image and pass its https URL");
      }
      body.addProperty("promptImage", uri);
    } else if (req.image() != null) {
      body.addProperty("promptImage", dataUri(req.image()));
    }

    String ratio = limits != null ? ratio(limits, req.width(), req.height(), label + " " + endpoint.label())
        : passThroughRatio(req.width(), req.height(), label);
    if (ratio != null) {
      body.addProperty("ratio", ratio);
    }
    int fps = req.fps() != null ? req.fps() : known != null ? known.fps() : RunwayModel.RUNWAY_FPS;
    Integer duration; // boxed on purpose: unknown models without frames send none
    if (limits != null) {
      duration = duration(limits, req.frames(), fps, label);
    } else {
      duration = req.frames() == null ? null : (int) Math.ceil(req.frames() / (double) fps - 1e-9);
    }
    if (duration != null) {
      body.addProperty("duration", duration);
    }

    if (req.seed() != null) {
      if (known != null && !known.seed()) {
        throw new IllegalArgumentException(label + " takes no seed (its request has no 'seed'): leave seed unset");
      }
      if (req.seed() < 0 || req.seed() > MAX_SEED) {
        throw new IllegalArgumentException("seed must be in [0, " + MAX_SEED + "] for Runway but was " + req.seed());
      }
      body.addProperty("seed", req.seed());
    }
    if (req.negativePrompt() != null && !req.negativePrompt().isBlank()) {
      if (known != null && !known.negativePrompt()) {
        throw new IllegalArgumentException(label + " takes no negative prompt (its request has no 'negativePrompt'): "
            + "leave negativePrompt unset");
      }
      body.addProperty("negativePrompt", req.negativePrompt());
    }
    if (known != null && known.audio()) {
      body.addProperty("audio", false);
    }
    return new Prepared(endpoint, body, ratio, duration);
  }

  private static void refuseLocalSettings(GenerationRequest req, String label) {
    List<String> set = new ArrayList<>();
    addIf(set, req.steps() != null, "steps");
    addIf(set, req.guidanceScale() != null, "guidanceScale");
    addIf(set, req.eta() != null, "eta");
    addIf(set, req.initialLatents() != null, "initialLatents");
    addIf(set, req.motionBucketId() != null, "motionBucketId");
    addIf(set, req.noiseAugStrength() != null, "noiseAugStrength");
    addIf(set, req.decodeChunkSize() != null, "decodeChunkSize");
    addIf(set, req.minGuidanceScale() != null, "minGuidanceScale");
    addIf(set, req.maxGuidanceScale() != null, "maxGuidanceScale");
    addIf(set, req.guidanceRescale() != null, "guidanceRescale");
    addIf(set, req.maxSequenceLength() != null, "maxSequenceLength");
    addIf(set, req.decodeTimestep() != null, "decodeTimestep");
    addIf(set, req.decodeNoiseScale() != null, "decodeNoiseScale");
    if (!set.isEmpty()) {
      throw new IllegalArgumentException(label + " runs on Runway's service, which has no " + String.join(", ", set)
          + " setting: leave " + (set.size() == 1 ? "it" : "them") + " unset (Runway takes a prompt, an image, a "
          + "size, a duration" + " and, for some models, a seed and a negative prompt)");
    }
  }

  private static void addIf(List<String> list, boolean condition, String name) {
    if (condition) {
      list.add(name);
    }
  }

  /** The ratio for a requested size (see the class comment), or an error listing the sizes the model makes. */
  static String ratio(Limits limits, Integer width, Integer height, String what) {
    if (width == null && height == null) {
      return limits.defaultRatio();
    }
    String best = null;
    long bestDistance = Long.MAX_VALUE;
    for (String r : limits.ratios()) {
      int rw = Integer.parseInt(r.substring(0, r.indexOf(':')));
      int rh = Integer.parseInt(r.substring(r.indexOf(':') + 1));
      boolean fits;
      if (width != null && height != null) {
        fits = (long) width * rh == (long) height * rw; // same shape (an exact match included)
      } else if (width != null) {
        fits = width == rw;
      } else {
        fits = height == rh;
      }
      if (fits) {
        long distance = width != null && height != null ? Math.abs((long) rw * rh - (long) width * height) : 0;
        if (distance < bestDistance) {
          best = r;
          bestDistance = distance;
        }
      }
    }
    if (best != null) {
      return best;
    }
    String asked = width != null && height != null ? width + "x" + height
        : width != null ? "width " + width : "height " + height;
    throw new IllegalArgumentException(what + " makes " + limits.sizesText() + " videos; " + asked
        + " is none of them nor the same shape as one: ask for one of those sizes, or leave width and height unset for "
        + limits.defaultRatio().replace(':', 'x'));
  }

  private static String passThroughRatio(Integer width, Integer height, String label) {
    if (width == null && height == null) {
      return null;
    }
    if (width == null || height == null) {
      throw new IllegalArgumentException(label + " is a model vidgen does not know, so the size is sent as Runway's "
          + "ratio \"WIDTH:HEIGHT\": set both width and height, or neither to let Runway choose");
    }
    return width + ":" + height;
  }

  /** The shortest offered duration of at least frames / fps seconds, or the default when frames is unset. */
  static int duration(Limits limits, Integer frames, int fps, String label) {
    if (frames == null) {
      return limits.defaultDuration();
    }
    double seconds = frames / (double) fps;
    for (int d : limits.durations()) {
      if (d >= seconds - 1e-9) {
        return d;
      }
    }
    throw new IllegalArgumentException(String.format(Locale.ROOT, "%s makes videos of %s seconds; %d frames at %d fps "
        + "is %.2f s: ask for at most %d frames (Runway renders %d fps), or leave frames unset for %d s", label,
        limits.durationsText(), frames, fps, seconds, limits.durations().get(limits.durations().size() - 1) * fps,
        RunwayModel.RUNWAY_FPS, limits.defaultDuration()));
  }

  /** PNG, or JPEG when the PNG data URI would exceed Runway's 5 MB. */
  static String dataUri(BufferedImage image) {
    String png = "data:image/png;base64," + Base64.getEncoder().encodeToString(encode(image, "png"));
    if (png.length() <= MAX_DATA_URI_CHARS) {
      return png;
    }
    String jpeg = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(encode(image, "jpeg"));
    if (jpeg.length() <= MAX_DATA_URI_CHARS) {
      return jpeg;
    }
    throw new IllegalArgumentException(String.format(Locale.ROOT, "the image (%dx%d) does not fit Runway's 5 MB data "
        + "URI limit even as JPEG (%.1f MB): scale it down, or host it and pass its https URL with imageUri",
        image.getWidth(), image.getHeight(), jpeg.length() / 1048576.0));
  }

  private static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (format.equals("png")) {
        ImageIO.write(image, "png", out);
        return out.toByteArray();
      }
      BufferedImage rgb = image;
      if (image.getType() != BufferedImage.TYPE_INT_RGB) { // JPEG has no alpha
        rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(image, 0, 0, null);
      }
      Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
      ImageWriter writer = writers.next();
      try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
        writer.setOutput(ios);
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.92f);
        writer.write(null, new IIOImage(rgb, null, null), param);
      } finally {
        writer.dispose();
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("encoding the image as " + format + " failed", e);
    }
  }
}
