package dev.vidgen.models.runway;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What vidgen knows about one of Runway's video models: per endpoint, the output sizes ({@code ratio}) and durations
 * it accepts, and which optional fields its request schema has. Requests for a known model are checked against this
 * before anything is sent (a clear error instead of a 400); model names vidgen does not know are sent as they are, so
 * a model Runway adds tomorrow works today.
 *
 * <p>Source: Runway's request schemas for API version {@code 2024-11-06} as published in the official SDK,
 * {@code runwayml/sdk-python} {@code src/runwayml/types/text_to_video_create_params.py} and {@code
 * image_to_video_create_params.py} at commit {@code c604e0e} (2026-07-27). Where the schema says only "integer"
 * (gen4_turbo's duration) the range is the one Runway documents for its Gen-4 family, 2 to 10 seconds.
 *
 * @param name the model name in Runway's API, e.g. {@code gen4.5}
 * @param endpoints the endpoints that serve it and their limits
 * @param fps the frame rate Runway renders at, to turn frame counts into seconds
 * @param seed whether the schema has {@code seed}
 * @param negativePrompt whether the schema has {@code negativePrompt}
 * @param audio whether the schema has {@code audio}; vidgen then sends {@code false}, because a {@link
 *     dev.vidgen.api.Video} has no sound and audio costs extra
 */
public record RunwayModel(String name, Map<Endpoint, Limits> endpoints, int fps, boolean seed, boolean negativePrompt,
    boolean audio) {

  /** Runway's generation endpoints. */
  public enum Endpoint {
    TEXT_TO_VIDEO("/v1/text_to_video", "text-to-video"),
    IMAGE_TO_VIDEO("/v1/image_to_video", "image-to-video");

    private final String path;
    private final String label;

    Endpoint(String path, String label) {
      this.path = path;
      this.label = label;
    }

    /** The path under the base URL, e.g. {@code /v1/text_to_video}. */
    public String path() {
      return path;
    }

    /** For messages, e.g. {@code text-to-video}. */
    public String label() {
      return label;
    }
  }

  /**
   * One endpoint's limits for a model.
   *
   * @param ratios the accepted {@code ratio} values ({@code "1280:720"} is 1280 pixels wide, 720 high), default first
   * @param durations the accepted durations in seconds, ascending
   * @param defaultDuration what vidgen asks for when the request sets no frame count
   * @param promptRequired whether {@code promptText} must be a non-empty string
   * @param maxPromptLength the longest {@code promptText} in UTF-16 code units (Java {@code String.length()})
   */
  public record Limits(List<String> ratios, List<Integer> durations, int defaultDuration, boolean promptRequired,
      int maxPromptLength) {
    public Limits {
      ratios = List.copyOf(ratios);
      durations = List.copyOf(durations);
      checkArgument(!ratios.isEmpty() && !durations.isEmpty(), "a model needs ratios and durations");
      checkArgument(durations.contains(defaultDuration), "defaultDuration %s is not one of %s", defaultDuration,
          durations);
    }

    /** The ratio vidgen asks for when the request sets no size. */
    public String defaultRatio() {
      return ratios.get(0);
    }

    /** "2 to 10" or "4, 6 or 8", for messages. */
    String durationsText() {
      boolean contiguous = durations.size() > 2
          && durations.get(durations.size() - 1) - durations.get(0) == durations.size() - 1;
      if (contiguous) {
        return durations.get(0) + " to " + durations.get(durations.size() - 1);
      }
      if (durations.size() == 1) {
        return String.valueOf(durations.get(0));
      }
      String head = durations.subList(0, durations.size() - 1).stream().map(String::valueOf)
          .collect(Collectors.joining(", "));
      return head + " or " + durations.get(durations.size() - 1);
    }

    /** "1280x720 or 720x1280", for messages. */
    String sizesText() {
      List<String> sizes = ratios.stream().map(r -> r.replace(':', 'x')).toList();
      if (sizes.size() == 1) {
        return sizes.get(0);
      }
      return String.join(", ", sizes.subList(0, sizes.size() - 1)) + " or " + sizes.get(sizes.size() - 1);
    }
  }

  /** The frame rate of Runway's video output for the models below. */
  public static final int RUNWAY_FPS = 24;

  private static final List<String> LANDSCAPE_PORTRAIT_720 = List.of("1280:720", "720:1280");
  private static final List<String> GEN4_IMAGE_RATIOS = List.of("1280:720", "720:1280", "1104:832", "832:1104",
      "960:960", "1584:672");
  private static final List<String> VEO_RATIOS = List.of("1280:720", "720:1280", "1080:1920", "1920:1080");
  private static final List<Integer> TWO_TO_TEN = IntStream.rangeClosed(2, 10).boxed().toList();

  /** The models vidgen checks requests for, by name. */
  public static final Map<String, RunwayModel> KNOWN = Map.of(
      "gen4.5", new RunwayModel("gen4.5", limits(
          new Limits(LANDSCAPE_PORTRAIT_720, TWO_TO_TEN, 5, true, 1000),
          new Limits(GEN4_IMAGE_RATIOS, TWO_TO_TEN, 5, true, 1000)), RUNWAY_FPS, true, false, false),
      "gen4_turbo", new RunwayModel("gen4_turbo", limits(null,
          new Limits(GEN4_IMAGE_RATIOS, TWO_TO_TEN, 5, false, 1000)), RUNWAY_FPS, true, false, false),
      "veo3.1", new RunwayModel("veo3.1", limits(
          new Limits(VEO_RATIOS, List.of(4, 6, 8), 8, true, 1000),
          new Limits(VEO_RATIOS, List.of(4, 6, 8), 8, false, 1000)), RUNWAY_FPS, false, true, true),
      "veo3.1_fast", new RunwayModel("veo3.1_fast", limits(
          new Limits(VEO_RATIOS, List.of(4, 6, 8), 8, true, 1000),
          new Limits(VEO_RATIOS, List.of(4, 6, 8), 8, false, 1000)), RUNWAY_FPS, false, true, true),
      "veo3", new RunwayModel("veo3", limits(
          new Limits(VEO_RATIOS, List.of(8), 8, true, 1000),
          new Limits(VEO_RATIOS, List.of(8), 8, false, 1000)), RUNWAY_FPS, false, true, false));

  public RunwayModel {
    endpoints = Map.copyOf(endpoints);
  }

  private static Map<Endpoint, Limits> limits(Limits textToVideo, Limits imageToVideo) {
    Map<Endpoint, Limits> m = new EnumMap<>(Endpoint.class);
    if (textToVideo != null) {
      m.put(Endpoint.TEXT_TO_VIDEO, textToVideo);
    }
    m.put(Endpoint.IMAGE_TO_VIDEO, imageToVideo);
    return m;
  }

  /** The known model of this name (exact, as Runway spells it), or null. */
  public static RunwayModel find(String name) {
    return KNOWN.get(name);
  }

  /** A known name that differs only in case, for a "did you mean" hint; null if none. */
  static String caseInsensitiveMatch(String name) {
    for (String known : KNOWN.keySet()) {
      if (known.equalsIgnoreCase(name) && !known.equals(name)) {
        return known;
      }
    }
    return null;
  }

  /** "text-to-video and image-to-video", for descriptions. */
  String endpointsText() {
    return endpoints.keySet().stream().sorted().map(Endpoint::label).collect(Collectors.joining(" and "))
        .toLowerCase(Locale.ROOT);
  }
}
