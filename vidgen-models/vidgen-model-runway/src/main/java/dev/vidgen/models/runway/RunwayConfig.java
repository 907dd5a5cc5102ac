package dev.vidgen.models.runway;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.vidgen.api.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to reach Runway's API and how patiently. Immutable; {@link #toString()} never shows the key.
 *
 * <p>Where each setting comes from, first found wins: the loader's option ({@code VideoPipeline.builder()
 * .option("runway.timeout", "5m")}), then a Java system property, then (base URL and key only) the environment:
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><th>option / system property</th><th>also read from</th><th>default</th></tr>
 *   <tr><td>{@code runway.baseUrl}</td><td>{@code RUNWAYML_BASE_URL} (system property, then environment)</td>
 *       <td>{@code https://api.dev.runwayml.com}</td></tr>
 *   <tr><td>{@code runway.apiKey} (option only)</td><td>{@code RUNWAYML_API_SECRET} (system property, then
 *       environment)</td><td>none: an error before any request</td></tr>
 *   <tr><td>{@code runway.timeout}</td><td></td><td>10 minutes, for the whole generation</td></tr>
 *   <tr><td>{@code runway.pollInterval}</td><td></td><td>1 s before the first poll, then 1.5 times longer each
 *       time</td></tr>
 *   <tr><td>{@code runway.maxPollInterval}</td><td></td><td>10 s</td></tr>
 *   <tr><td>{@code runway.maxRetries}</td><td></td><td>5 retries per call</td></tr>
 *   <tr><td>{@code runway.retryBackoff}</td><td></td><td>1 s before the first retry, doubling</td></tr>
 *   <tr><td>{@code runway.maxRetryBackoff}</td><td></td><td>30 s</td></tr>
 *   <tr><td>{@code runway.requestTimeout}</td><td></td><td>60 s per API call</td></tr>
 * </table>
 *
 * Durations are written {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h} or in ISO-8601 ({@code PT10M}). Plain
 * {@code http://} base URLs are accepted only for loopback hosts (a local stand-in), so the key never crosses a
 * network unencrypted.
 *
 * @param baseUrl the API's root, without a trailing slash
 * @param apiKey the key, sent as {@code Authorization: Bearer <key>}
 * @param timeout the longest a whole generation may take (creation, waiting, download)
 * @param pollInterval the wait before the first poll of a task; later waits grow 1.5 times, with jitter
 * @param maxPollInterval the longest wait between polls
 * @param maxRetries retries of one call after a connection error, 429 or 502-504
 * @param retryBackoff the wait before the first retry; it doubles, with up to 50% jitter (Runway's advice)
 * @param maxRetryBackoff the longest wait between retries (a server's {@code Retry-After} is honoured as given)
 * @param requestTimeout the longest one API call may take
 */
public record RunwayConfig(URI baseUrl, ApiKey apiKey, Duration timeout, Duration pollInterval,
    Duration maxPollInterval, int maxRetries, Duration retryBackoff, Duration maxRetryBackoff,
    Duration requestTimeout) {

  public static final String DEFAULT_BASE_URL = "https://api.dev.runwayml.com";
  public static final String ENV_BASE_URL = "RUNWAYML_BASE_URL";
  public static final String ENV_API_SECRET = "RUNWAYML_API_SECRET";

  public static final String OPT_BASE_URL = "runway.baseUrl";
  public static final String OPT_API_KEY = "runway.apiKey";
  public static final String OPT_TIMEOUT = "runway.timeout";
  public static final String OPT_POLL_INTERVAL = "runway.pollInterval";
  public static final String OPT_MAX_POLL_INTERVAL = "runway.maxPollInterval";
  public static final String OPT_MAX_RETRIES = "runway.maxRetries";
  public static final String OPT_RETRY_BACKOFF = "runway.retryBackoff";
  public static final String OPT_MAX_RETRY_BACKOFF = "runway.maxRetryBackoff";
  public static final String OPT_REQUEST_TIMEOUT = "runway.requestTimeout";

  /** Every option name the provider reads. */
  public static final Set<String> OPTION_NAMES = Set.of(OPT_BASE_URL, OPT_API_KEY, OPT_TIMEOUT, OPT_POLL_INTERVAL,
      OPT_MAX_POLL_INTERVAL, OPT_MAX_RETRIES, OPT_RETRY_BACKOFF, OPT_MAX_RETRY_BACKOFF, OPT_REQUEST_TIMEOUT);

  public RunwayConfig {
    checkNotNull(baseUrl, "baseUrl");
    checkNotNull(apiKey, "apiKey");
    checkPositive(timeout, "timeout");
    checkPositive(pollInterval, "pollInterval");
    checkPositive(maxPollInterval, "maxPollInterval");
    checkArgument(maxRetries >= 0 && maxRetries <= 20, "maxRetries must be in [0, 20] but was %s", maxRetries);
    checkPositive(retryBackoff, "retryBackoff");
    checkPositive(maxRetryBackoff, "maxRetryBackoff");
    checkPositive(requestTimeout, "requestTimeout");
    String s = baseUrl.toString();
    if (s.endsWith("/")) {
      baseUrl = URI.create(s.substring(0, s.length() - 1));
    }
  }

  private static void checkPositive(Duration d, String name) {
    checkNotNull(d, name);
    checkArgument(!d.isNegative() && !d.isZero(), "%s must be positive but was %s", name, d);
  }

  /** A builder with the defaults above and the given key. */
  public static Builder builder(String apiKey) {
    return new Builder(ApiKey.of(apiKey, "apiKey"));
  }

  /** The base URL joined with an API path such as {@code /v1/tasks/abc}. */
  URI resolve(String path) {
    return URI.create(baseUrl + path);
  }

  /**
   * The configuration from loader options, system properties and the environment, in that order (see the class
   * comment). Fails before any request when there is no key, naming {@code RUNWAYML_API_SECRET}.
   *
   * @param options {@code runway.*} options from {@code VideoPipeline.Builder.option}
   * @param systemProperties usually {@link System#getProperty(String)}
   * @param environment usually {@link System#getenv(String)}
   */
  public static RunwayConfig resolve(Map<String, String> options, UnaryOperator<String> systemProperties,
      UnaryOperator<String> environment) {
    Setting key = first(options, OPT_API_KEY, null, systemProperties, environment, ENV_API_SECRET);
    if (key == null || key.value().isBlank()) {
      throw new ConfigException("no Runway API key: set the environment variable " + ENV_API_SECRET + " (or the "
          + "Java system property of that name, or the loader option " + OPT_API_KEY + ") to a key from Runway's "
          + "developer portal, https://dev.runwayml.com" + (key == null ? "" : " (" + key.source() + " is empty)"));
    }
    Builder b = new Builder(ApiKey.of(key.value().strip(), key.source()));
    Setting url = first(options, OPT_BASE_URL, OPT_BASE_URL, systemProperties, environment, ENV_BASE_URL);
    if (url != null) {
      b.baseUrl(parseBaseUrl(url.value(), url.source()));
    }
    Setting s;
    if ((s = first(options, OPT_TIMEOUT, OPT_TIMEOUT, systemProperties, null, null)) != null) {
      b.timeout(parseDuration(s));
    }
    if ((s = first(options, OPT_POLL_INTERVAL, OPT_POLL_INTERVAL, systemProperties, null, null)) != null) {
      b.pollInterval(parseDuration(s));
    }
    if ((s = first(options, OPT_MAX_POLL_INTERVAL, OPT_MAX_POLL_INTERVAL, systemProperties, null, null)) != null) {
      b.maxPollInterval(parseDuration(s));
    }
    if ((s = first(options, OPT_MAX_RETRIES, OPT_MAX_RETRIES, systemProperties, null, null)) != null) {
      try {
        b.maxRetries(Integer.parseInt(s.value().strip()));
      } catch (NumberFormatException e) {
        throw new ConfigException(s.source() + " must be a whole number of retries but was '" + s.value() + "'");
      }
    }
    if ((s = first(options, OPT_RETRY_BACKOFF, OPT_RETRY_BACKOFF, systemProperties, null, null)) != null) {
      b.retryBackoff(parseDuration(s));
    }
    if ((s = first(options, OPT_MAX_RETRY_BACKOFF, OPT_MAX_RETRY_BACKOFF, systemProperties, null, null)) != null) {
      b.maxRetryBackoff(parseDuration(s));
    }
    if ((s = first(options, OPT_REQUEST_TIMEOUT, OPT_REQUEST_TIMEOUT, systemProperties, null, null)) != null) {
      b.requestTimeout(parseDuration(s));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException("Runway settings: " + e.getMessage(), e);
    }
  }

  /** A value and where it came from (for messages; never the value itself when it is the key). */
  private record Setting(String value, String source) {}

  private static Setting first(Map<String, String> options, String option, String property,
      UnaryOperator<String> systemProperties, UnaryOperator<String> environment, String envName) {
    if (options.containsKey(option)) {
      return new Setting(options.get(option), "option " + option);
    }
    if (property != null && systemProperties.apply(property) != null) {
      return new Setting(systemProperties.apply(property), "system property " + property);
    }
    if (envName != null && systemProperties.apply(envName) != null) {
      return new Setting(systemProperties.apply(envName), "system property " + envName);
    }
    if (envName != null && environment != null && environment.apply(envName) != null) {
      return new Setting(environment.apply(envName), "environment variable " + envName);
    }
    return null;
  }

  /** An absolute https URL, or http for a loopback host; no query or fragment. */
  static URI parseBaseUrl(String value, String source) {
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      throw new ConfigException(source + " is not a URL: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new ConfigException(source + " must be an absolute https:// URL such as " + DEFAULT_BASE_URL + " but was '"
          + value + "'");
    }
    if (scheme.equals("http") && !isLoopback(uri.getHost())) {
      throw new ConfigException(source + " must use https:// (plain http:// is accepted only for a loopback "
          + "stand-in, so the API key never crosses a network in clear text) but was '" + value + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new ConfigException(source + " must be a plain base URL without user info, query or fragment but was '"
          + value + "'");
    }
    return uri;
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
  }

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

  private static Duration parseDuration(Setting s) {
    String v = s.value().strip().toLowerCase(Locale.ROOT);
    Matcher m = SHORT_DURATION.matcher(v);
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      }
      return Duration.parse(s.value().strip());
    } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
      throw new ConfigException(s.source() + " must be a duration such as 500ms, 30s, 10m, 1h or PT10M but was '"
          + s.value() + "'");
    }
  }

  /** Builds a {@link RunwayConfig}; every setter checks its argument. */
  public static final class Builder {
    private final ApiKey apiKey;
    private URI baseUrl = URI.create(DEFAULT_BASE_URL);
    private Duration timeout = Duration.ofMinutes(10);
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration maxPollInterval = Duration.ofSeconds(10);
    private int maxRetries = 5;
    private Duration retryBackoff = Duration.ofSeconds(1);
    private Duration maxRetryBackoff = Duration.ofSeconds(30);
    private Duration requestTimeout = Duration.ofSeconds(60);

    private Builder(ApiKey apiKey) {
      this.apiKey = apiKey;
    }

    /** {@code https://...}, or {@code http://} on a loopback host (a stand-in for tests). */
    public Builder baseUrl(URI baseUrl) {
      this.baseUrl = parseBaseUrl(checkNotNull(baseUrl, "baseUrl").toString(), "baseUrl");
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    public Builder maxPollInterval(Duration maxPollInterval) {
      this.maxPollInterval = maxPollInterval;
      return this;
    }

    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    public Builder retryBackoff(Duration retryBackoff) {
      this.retryBackoff = retryBackoff;
      return this;
    }

    public Builder maxRetryBackoff(Duration maxRetryBackoff) {
      this.maxRetryBackoff = maxRetryBackoff;
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public RunwayConfig build() {
      return new RunwayConfig(baseUrl, apiKey, timeout, pollInterval, maxPollInterval, maxRetries, retryBackoff,
          maxRetryBackoff, requestTimeout);
    }
  }

  /**
   * An API key that does not print: {@link #toString()} is {@code ApiKey[redacted]}, and {@link #redact(String)}
   * removes it from text a server echoes back.
   */
  public static final class ApiKey {
    private final String value;

    private ApiKey(String value) {
      this.value = value;
    }

    static ApiKey of(String value, String what) {
      checkArgument(value != null && !value.isBlank(), "%s must be a non-empty Runway API key", what);
      return new ApiKey(value);
    }

    /** The {@code Authorization} header's value. */
    String bearer() {
      return "Bearer " + value;
    }

    /** {@code text} with every occurrence of the key replaced by {@code [redacted]}. */
    String redact(String text) {
      return text == null ? null : text.replace(value, "[redacted]");
    }

    @Override
    public String toString() {
      return "ApiKey[redacted]";
    }
  }
}
