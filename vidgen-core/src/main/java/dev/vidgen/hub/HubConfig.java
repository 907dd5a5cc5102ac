package dev.vidgen.hub;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.vidgen.api.DownloadListener;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how to reach the Hugging Face Hub, read from the environment variables {@code huggingface_hub} reads, so
 * vidgen and Python share one cache and one login:
 * <ul>
 *   <li>{@code HF_ENDPOINT} (default {@code https://huggingface.co});
 *   <li>the cache: {@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub}, else
 *       {@code ~/.cache/huggingface/hub};
 *   <li>the token: {@code HF_TOKEN}, else the file {@code HF_TOKEN_PATH}, else {@code HF_HOME/token} (where {@code
 *       huggingface-cli login} writes it);
 *   <li>{@code HF_HUB_OFFLINE=1}: nothing is requested, only the cache is used;
 *   <li>{@code HF_HUB_ETAG_TIMEOUT} (seconds to wait for metadata, default 10) and {@code HF_HUB_DOWNLOAD_TIMEOUT}
 *       (seconds a download may stall before it is resumed, default 10).
 * </ul>
 * {@link #toString()} never shows the token.
 *
 * @param endpoint the Hub's base URL
 * @param cacheDir the hub cache ({@code models--org--name} folders)
 * @param token an access token, or null
 * @param offline when true nothing is requested
 * @param listener receives download events
 * @param maxRetries retries of one request after connection errors, 429 and 5xx (the first try not counted)
 * @param initialBackoff the pause before the first retry; doubled for each further one (at most 30 s)
 * @param requestTimeout how long to wait for the headers of a metadata request
 * @param stallTimeout how long a download may receive nothing before the connection is dropped and resumed
 */
public record HubConfig(URI endpoint, Path cacheDir, String token, boolean offline, DownloadListener listener,
    int maxRetries, Duration initialBackoff, Duration requestTimeout, Duration stallTimeout) {
  public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

  public HubConfig {
    checkNotNull(endpoint, "endpoint");
    checkArgument("https".equals(endpoint.getScheme()) || "http".equals(endpoint.getScheme()),
        "the Hub endpoint must be an http(s) URL, got %s", endpoint);
    String e = endpoint.toString();
    endpoint = e.endsWith("/") ? URI.create(e.substring(0, e.length() - 1)) : endpoint;
    checkNotNull(cacheDir, "cacheDir");
    token = token == null || token.isBlank() ? null : token.strip();
    listener = listener == null ? DownloadListener.NONE : listener;
    checkArgument(maxRetries >= 0, "maxRetries must be >= 0 but was %s", maxRetries);
    checkArgument(!initialBackoff.isNegative() && !requestTimeout.isNegative() && !requestTimeout.isZero()
        && !stallTimeout.isNegative() && !stallTimeout.isZero(), "timeouts must be positive");
  }

  /** The configuration of this process's environment. */
  public static HubConfig system() {
    return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home", ".")));
  }

  /** Reads the variables listed in the class comment from {@code env}. */
  public static HubConfig fromEnvironment(Map<String, String> env, Path userHome) {
    Path hfHome = hfHome(env, userHome);
    String endpoint = value(env, "HF_ENDPOINT");
    URI uri;
    try {
      uri = endpoint == null ? DEFAULT_ENDPOINT : URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("HF_ENDPOINT is not a URL: " + endpoint, e);
    }
    return new HubConfig(uri, hubCache(env, userHome), token(env, hfHome), truthy(value(env, "HF_HUB_OFFLINE")),
        DownloadListener.NONE, 5, Duration.ofSeconds(1), seconds(env, "HF_HUB_ETAG_TIMEOUT", 10),
        seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT", 10));
  }

  /** {@code HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}. */
  static Path hfHome(Map<String, String> env, Path userHome) {
    String home = value(env, "HF_HOME");
    if (home != null) {
      return Path.of(home);
    }
    String xdg = value(env, "XDG_CACHE_HOME");
    return xdg != null ? Path.of(xdg, "huggingface") : userHome.resolve(".cache").resolve("huggingface");
  }

  /** The hub cache folder the environment selects (see the class comment). */
  static Path hubCache(Map<String, String> env, Path userHome) {
    String cache = value(env, "HF_HUB_CACHE");
    if (cache == null) {
      cache = value(env, "HUGGINGFACE_HUB_CACHE"); // huggingface_hub's older name
    }
    return cache != null ? Path.of(cache) : hfHome(env, userHome).resolve("hub");
  }

  private static String token(Map<String, String> env, Path hfHome) {
    String t = value(env, "HF_TOKEN");
    if (t == null) {
      t = value(env, "HUGGING_FACE_HUB_TOKEN"); // huggingface_hub's older name
    }
    if (t != null) {
      return t;
    }
    String path = value(env, "HF_TOKEN_PATH");
    Path file = path != null ? Path.of(path) : hfHome.resolve("token");
    try {
      return Files.isRegularFile(file) ? Files.readString(file).strip() : null;
    } catch (IOException e) {
      return null; // an unreadable token file is the same as none; requests then say when a token is needed
    }
  }

  private static String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  private static boolean truthy(String v) {
    return v != null && Map.of("1", 1, "ON", 1, "YES", 1, "TRUE", 1).containsKey(v.toUpperCase(Locale.ROOT));
  }

  private static Duration seconds(Map<String, String> env, String name, int dflt) {
    String v = value(env, name);
    if (v == null) {
      return Duration.ofSeconds(dflt);
    }
    try {
      double s = Double.parseDouble(v);
      checkArgument(s > 0, "%s must be a positive number of seconds, got %s", name, v);
      return Duration.ofMillis((long) (s * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number of seconds, got '" + v + "'");
    }
  }

  public HubConfig withOffline(boolean offline) {
    return new HubConfig(endpoint, cacheDir, token, offline, listener, maxRetries, initialBackoff, requestTimeout,
        stallTimeout);
  }

  public HubConfig withListener(DownloadListener listener) {
    return new HubConfig(endpoint, cacheDir, token, offline, listener, maxRetries, initialBackoff, requestTimeout,
        stallTimeout);
  }

  public HubConfig withToken(String token) {
    return new HubConfig(endpoint, cacheDir, token, offline, listener, maxRetries, initialBackoff, requestTimeout,
        stallTimeout);
  }

  /** Retries after connection errors, 429 and 5xx, with exponential backoff from {@code initialBackoff}. */
  public HubConfig withRetries(int maxRetries, Duration initialBackoff) {
    return new HubConfig(endpoint, cacheDir, token, offline, listener, maxRetries, initialBackoff, requestTimeout,
        stallTimeout);
  }

  public HubConfig withTimeouts(Duration requestTimeout, Duration stallTimeout) {
    return new HubConfig(endpoint, cacheDir, token, offline, listener, maxRetries, initialBackoff, requestTimeout,
        stallTimeout);
  }

  @Override
  public String toString() {
    return "HubConfig[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token=" + (token == null ? "none"
        : "set (hidden)") + ", offline=" + offline + ", maxRetries=" + maxRetries + "]";
  }
}
