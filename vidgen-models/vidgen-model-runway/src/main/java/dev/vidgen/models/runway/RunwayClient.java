package dev.vidgen.models.runway;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.CancellationToken;
import dev.vidgen.api.GenerationCancelledException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The HTTP side of Runway's API (version {@value #API_VERSION}): create a task, read it, delete it, download its
 * output. Every API call carries {@code Authorization: Bearer <key>} and {@code X-Runway-Version}; downloads carry
 * them only when the output lives on the API's own origin, or both are on this machine (a stand-in): output URLs are
 * pre-signed, usually on a storage host that must never see the key. Downloads that carry the key follow no
 * redirects.
 *
 * <p>Retries (Runway's API error table, https://docs.dev.runwayml.com/api-details/errors): connection failures, 429
 * and 502/503/504 are retried up to {@link RunwayConfig#maxRetries()} times, waiting {@link
 * RunwayConfig#retryBackoff()} doubled per attempt plus up to 50% random jitter, or exactly as long as the server's
 * {@code Retry-After} (seconds or an HTTP date) or {@code retry-after-ms} asks. Like Runway's own SDKs, a create call
 * whose connection broke is retried too, which in the rare case that the server had already accepted it makes a
 * second task. 400, 401, 403 and 404 are not retried: they become {@link RunwayBadRequestException}, {@link
 * RunwayAuthenticationException}, {@link RunwayPermissionException} and {@link RunwayNotFoundException} with the
 * server's message.
 *
 * <p>Every wait and call stays within a {@link Budget}: past its deadline a call throws {@link DeadlineExceeded},
 * and a cancelled token ends any wait with {@link GenerationCancelledException}.
 */
final class RunwayClient {
  static final String API_VERSION = "2024-11-06";
  /** The largest output vidgen downloads: a 10 s 1080p video is well under 100 MB. */
  static final long MAX_OUTPUT_BYTES = 1L << 30;

  private static final Logger LOG = System.getLogger(RunwayClient.class.getPackageName());
  private static final String USER_AGENT = "vidgen-model-runway (java.net.http)";

  private final RunwayConfig config;
  private final HttpClient api;
  private final HttpClient storage;
  private final RandomGenerator random;

  RunwayClient(RunwayConfig config, RandomGenerator random) {
    this.config = config;
    this.random = random;
    Duration connect = config.requestTimeout().compareTo(Duration.ofSeconds(10)) < 0 ? config.requestTimeout()
        : Duration.ofSeconds(10);
    this.api = HttpClient.newBuilder().connectTimeout(connect).followRedirects(HttpClient.Redirect.NEVER).build();
    this.storage = HttpClient.newBuilder().connectTimeout(connect).followRedirects(HttpClient.Redirect.NORMAL)
        .build();
  }

  /** When a generation must be done by, and the token that may cancel it. */
  record Budget(Instant deadline, Duration timeout, CancellationToken cancel) {
    static Budget of(Duration timeout, CancellationToken cancel) {
      return new Budget(Instant.now().plus(timeout), timeout, cancel);
    }

    Duration remaining() {
      return Duration.between(Instant.now(), deadline);
    }

    /** Waits, waking every 20 ms to notice a cancellation; throws {@link DeadlineExceeded} if it would overrun. */
    void sleep(Duration wait, String why) {
      if (wait.compareTo(remaining()) >= 0) {
        throw new DeadlineExceeded(why);
      }
      Instant until = Instant.now().plus(wait);
      while (true) {
        cancel.throwIfCancelled(why);
        long ms = Duration.between(Instant.now(), until).toMillis();
        if (ms <= 0) {
          return;
        }
        try {
          Thread.sleep(Math.min(ms, 20));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new GenerationCancelledException("generation interrupted " + why, e);
        }
      }
    }
  }

  /** The caller's timeout passed; the pipeline turns it into a {@link RunwayTimeoutException} with the task id. */
  static final class DeadlineExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DeadlineExceeded(String during) {
      super(during);
    }
  }

  /** A download answered 403, 404 or 410: the signed output URL expired or is wrong. */
  static final class OutputRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    OutputRefused(int status) {
      super("output URL refused with " + status);
      this.status = status;
    }
  }

  /** {@code POST /v1/text_to_video} or {@code /v1/image_to_video}; returns the new task's id. */
  String createTask(RunwayModel.Endpoint endpoint, JsonObject body, Budget budget) {
    String call = "POST " + endpoint.path();
    HttpResponse<byte[]> r = callApi(apiRequest(endpoint.path())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)), call, budget);
    JsonObject json = jsonObject(r, call);
    JsonElement id = json.get("id");
    if (id == null || !id.isJsonPrimitive() || id.getAsString().isBlank()) {
      throw new RunwayException("Runway API " + call + " answered " + r.statusCode() + " without a task 'id': "
          + redact(json.toString()));
    }
    return id.getAsString();
  }

  /** {@code GET /v1/tasks/{id}}. */
  RunwayTask getTask(String id, Budget budget) {
    String path = "/v1/tasks/" + id;
    String call = "GET " + path;
    HttpResponse<byte[]> r = callApi(apiRequest(path).GET(), call, budget);
    return RunwayTask.parse(jsonObject(r, call), id);
  }

  /**
   * {@code DELETE /v1/tasks/{id}}: cancels a running task (or deletes a finished one). Best effort within its own
   * small budget, since it runs when the caller's has ended: returns whether the server confirmed it.
   */
  boolean deleteTask(String id) {
    String path = "/v1/tasks/" + id;
    String call = "DELETE " + path;
    Duration limit = config.requestTimeout().compareTo(Duration.ofSeconds(15)) < 0 ? config.requestTimeout()
        : Duration.ofSeconds(15);
    try {
      callApi(apiRequest(path).DELETE(), call, Budget.of(limit, new CancellationToken()));
      LOG.log(Level.INFO, "Runway task {0} cancelled (DELETE sent)", id);
      return true;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not cancel Runway task {0}: {1}", id, e.getMessage());
      return false;
    }
  }

  /** Downloads an output URL; {@link OutputRefused} on 403/404/410. */
  byte[] download(URI url, Budget budget) {
    String call = "GET output " + describe(url);
    // the key goes only where the API is (or, for a local stand-in, to the same machine)
    boolean sameOrigin = sameOrigin(url, config.baseUrl()) || RunwayConfig.isLoopback(url.getHost())
        && RunwayConfig.isLoopback(config.baseUrl().getHost());
    HttpRequest.Builder b = HttpRequest.newBuilder(url).GET().header("User-Agent", USER_AGENT);
    if (sameOrigin) {
      b.header("Authorization", config.apiKey().bearer()).header("X-Runway-Version", API_VERSION);
    }
    HttpClient client = sameOrigin ? api : storage;
    for (int attempt = 0; ; attempt++) {
      HttpResponse<InputStream> r;
      try {
        r = send(client, b.timeout(positive(budget.remaining())).build(), HttpResponse.BodyHandlers.ofInputStream(),
            call, budget);
      } catch (IOException e) {
        retryOrThrow(attempt, e, call, budget);
        continue;
      }
      int status = r.statusCode();
      if (status / 100 == 2) {
        return readCapped(r, call);
      }
      String body = drain(r);
      if (status == 403 || status == 404 || status == 410) {
        throw new OutputRefused(status);
      }
      if (retryable(status) && attempt < config.maxRetries()) {
        budget.sleep(waitBefore(attempt, r.headers()), "while waiting to retry " + call);
        continue;
      }
      throw new RunwayException(call + " answered " + status + describeBody(body));
    }
  }

  private HttpRequest.Builder apiRequest(String path) {
    return HttpRequest.newBuilder(config.resolve(path))
        .header("Authorization", config.apiKey().bearer())
        .header("X-Runway-Version", API_VERSION)
        .header("Accept", "application/json")
        .header("User-Agent", USER_AGENT);
  }

  /** Sends an API call with the retry policy; returns a 2xx response or throws the typed error. */
  private HttpResponse<byte[]> callApi(HttpRequest.Builder request, String call, Budget budget) {
    for (int attempt = 0; ; attempt++) {
      Duration perCall = budget.remaining().compareTo(config.requestTimeout()) < 0 ? budget.remaining()
          : config.requestTimeout();
      HttpResponse<byte[]> r;
      try {
        r = send(api, request.timeout(positive(perCall)).build(), HttpResponse.BodyHandlers.ofByteArray(), call,
            budget);
      } catch (IOException e) {
        retryOrThrow(attempt, e, call, budget);
        continue;
      }
      int status = r.statusCode();
      if (status / 100 == 2) {
        return r;
      }
      String message = serverMessage(r.body());
      if (retryable(status) && attempt < config.maxRetries()) {
        Duration wait = waitBefore(attempt, r.headers());
        LOG.log(Level.INFO, "Runway API {0} answered {1}; retry {2} of {3} in {4} ms", call, status, attempt + 1,
            config.maxRetries(), wait.toMillis());
        if (wait.compareTo(budget.remaining()) >= 0 && status == 429) {
          throw new RunwayApiException(429, call, message, "rate limited, and the server asks to wait "
              + wait.toMillis() + " ms, longer than the " + Math.max(0, budget.remaining().toMillis())
              + " ms left of the timeout (" + budget.timeout() + ")");
        }
        budget.sleep(wait, "while waiting to retry " + call);
        continue;
      }
      throw apiError(status, call, message, attempt);
    }
  }

  private <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> handler,
      String call, Budget budget) throws IOException {
    budget.cancel().throwIfCancelled("before " + call);
    if (budget.remaining().isNegative() || budget.remaining().isZero()) {
      throw new DeadlineExceeded("before " + call);
    }
    long start = System.nanoTime();
    try {
      HttpResponse<T> r = client.send(request, handler);
      LOG.log(Level.DEBUG, "Runway {0} -> {1} in {2} ms", call, r.statusCode(), (System.nanoTime() - start) / 1_000_000);
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GenerationCancelledException("generation interrupted during " + call, e);
    }
  }

  /** After a connection failure: waits and returns to retry, or throws when retries or time ran out. */
  private void retryOrThrow(int attempt, IOException e, String call, Budget budget) {
    if (e instanceof java.net.http.HttpTimeoutException && budget.remaining().toMillis() <= 0) {
      throw new DeadlineExceeded("during " + call);
    }
    if (attempt >= config.maxRetries()) {
      throw new RunwayConnectionException("could not complete " + call + " at " + origin(config.baseUrl()) + " after "
          + (attempt + 1) + " attempts: " + redact(describe(e)), e);
    }
    Duration wait = waitBefore(attempt, null);
    LOG.log(Level.INFO, "Runway {0} failed ({1}); retry {2} of {3} in {4} ms", call, describe(e), attempt + 1,
        config.maxRetries(), wait.toMillis());
    budget.sleep(wait, "while waiting to retry " + call);
  }

  private static boolean retryable(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
  }

  /** The server's Retry-After (or retry-after-ms) when it sent one, else exponential backoff with jitter. */
  Duration waitBefore(int attempt, java.net.http.HttpHeaders headers) {
    if (headers != null) {
      Optional<Duration> asked = retryAfter(headers);
      if (asked.isPresent()) {
        return asked.get();
      }
    }
    long base = config.retryBackoff().toMillis() << Math.min(attempt, 20);
    long capped = Math.min(base, config.maxRetryBackoff().toMillis());
    return Duration.ofMillis(capped + (long) (capped * 0.5 * random.nextDouble()));
  }

  static Optional<Duration> retryAfter(java.net.http.HttpHeaders headers) {
    Optional<String> ms = headers.firstValue("retry-after-ms");
    if (ms.isPresent()) {
      try {
        return Optional.of(Duration.ofMillis(Math.max(0, (long) Double.parseDouble(ms.get().strip()))));
      } catch (NumberFormatException ignored) {
        // fall through to Retry-After
      }
    }
    Optional<String> after = headers.firstValue("retry-after");
    if (after.isEmpty()) {
      return Optional.empty();
    }
    String v = after.get().strip();
    try {
      return Optional.of(Duration.ofMillis(Math.max(0, (long) (Double.parseDouble(v) * 1000))));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(Instant.now(), at.toInstant());
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }

  private RunwayException apiError(int status, String call, String message, int attempt) {
    String retried = attempt == 0 ? "" : " (after " + attempt + " retries)";
    return switch (status) {
      case 400 -> new RunwayBadRequestException(call, message, "");
      case 401 -> new RunwayAuthenticationException(call, message, "check the API key in " + RunwayConfig.ENV_API_SECRET
          + " (or option " + RunwayConfig.OPT_API_KEY + ") and that it is enabled in Runway's developer portal");
      case 403 -> new RunwayPermissionException(call, message, "the key's organisation may not use this model or "
          + "endpoint, or has run out of credits");
      case 404 -> new RunwayNotFoundException(call, message, call.startsWith("POST")
          ? "is the base URL right? (" + origin(config.baseUrl()) + ")" : "the task no longer exists");
      case 429 -> new RunwayApiException(429, call, message, "still rate limited" + retried);
      case 502, 503, 504 -> new RunwayApiException(status, call, message, "Runway is overloaded or shedding load"
          + retried + "; try again later");
      default -> new RunwayApiException(status, call, message, "");
    };
  }

  private JsonObject jsonObject(HttpResponse<byte[]> r, String call) {
    String text = new String(r.body(), StandardCharsets.UTF_8);
    try {
      JsonElement e = JsonParser.parseString(text);
      if (e.isJsonObject()) {
        return e.getAsJsonObject();
      }
    } catch (RuntimeException ignored) {
      // reported below
    }
    throw new RunwayException("Runway API " + call + " answered " + r.statusCode() + " with a body that is not a JSON "
        + "object: " + redact(shorten(text)));
  }

  /**
   * The server's explanation: the {@code error} member of a JSON body (Runway's format), with any {@code issues}
   * (per-field problems) appended; otherwise the body's text, shortened. Never contains the key.
   */
  String serverMessage(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip();
    String message = text;
    try {
      JsonElement e = JsonParser.parseString(text);
      if (e.isJsonObject()) {
        JsonObject o = e.getAsJsonObject();
        JsonElement error = o.has("error") ? o.get("error") : o.get("message");
        if (error != null && error.isJsonPrimitive()) {
          message = error.getAsString();
          JsonElement issues = o.get("issues");
          if (issues != null && issues.isJsonArray() && !issues.getAsJsonArray().isEmpty()) {
            message += " " + issuesText(issues.getAsJsonArray());
          }
        }
      }
    } catch (RuntimeException notJson) {
      // keep the text
    }
    return redact(shorten(message));
  }

  private static String issuesText(JsonArray issues) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < issues.size(); i++) {
      JsonElement issue = issues.get(i);
      if (i > 0) {
        sb.append("; ");
      }
      if (issue.isJsonObject()) {
        JsonObject o = issue.getAsJsonObject();
        if (o.has("path")) {
          sb.append(o.get("path").toString().replace("\"", "")).append(": ");
        }
        sb.append(o.has("message") ? o.get("message").getAsString() : o.toString());
      } else {
        sb.append(issue.toString());
      }
    }
    return sb.append(")").toString();
  }

  private String describeBody(String body) {
    return body.isBlank() ? "" : ": " + redact(shorten(body));
  }

  private String redact(String text) {
    return config.apiKey().redact(text);
  }

  private static String shorten(String text) {
    String oneLine = text.replaceAll("\\s+", " ").strip();
    return oneLine.length() <= 500 ? oneLine : oneLine.substring(0, 500) + "...";
  }

  private static byte[] readCapped(HttpResponse<InputStream> r, String call) {
    try (InputStream in = r.body()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
      byte[] buf = new byte[1 << 16];
      long total = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
        if (total > MAX_OUTPUT_BYTES) {
          throw new RunwayException(call + " is larger than " + (MAX_OUTPUT_BYTES >> 20) + " MB; vidgen holds "
              + "outputs in memory and stops here");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new RunwayConnectionException(call + " broke off while downloading: " + describe(e), e);
    }
  }

  private static String drain(HttpResponse<InputStream> r) {
    try (InputStream in = r.body()) {
      return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static Duration positive(Duration d) {
    return d.toMillis() < 1 ? Duration.ofMillis(1) : d;
  }

  static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(lower(a.getScheme()), lower(b.getScheme())) && Objects.equals(lower(a.getHost()),
        lower(b.getHost())) && port(a) == port(b);
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  private static int port(URI u) {
    if (u.getPort() >= 0) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  static String origin(URI u) {
    return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
  }

  /** The URL without its query (signed URLs carry their token there). */
  static String describe(URI u) {
    return origin(u) + (u.getRawPath() == null ? "" : u.getRawPath());
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }
}
