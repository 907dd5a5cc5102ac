package dev.vidgen.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.DownloadEvent;
import dev.vidgen.api.DownloadException;
import dev.vidgen.api.ModelAccessException;
import dev.vidgen.api.ModelNotFoundException;
import dev.vidgen.api.VidgenException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hub's HTTP protocol, as {@code huggingface_hub} v0.24 speaks it ({@code hf_api.model_info}, {@code
 * file_download.get_hf_file_metadata} and {@code http_get}), on the JDK's {@link HttpClient}:
 * <ul>
 *   <li>{@code GET {endpoint}/api/models/{repo}/revision/{rev}}: the commit ({@code sha}) and the files ({@code
 *       siblings[].rfilename});
 *   <li>{@code HEAD {endpoint}/{repo}/resolve/{commit}/{path}} without following redirects (except relative ones, a
 *       renamed repository): {@code X-Repo-Commit}, the ETag ({@code X-Linked-Etag} for LFS files, which is their
 *       sha256, else {@code ETag}), the size ({@code X-Linked-Size}, else {@code Content-Length}) and where the bytes
 *       are ({@code Location} of a 302 to the CDN, else the URL itself);
 *   <li>{@code GET} of that location, resumed with {@code Range: bytes=N-} after a cut connection; the token is sent
 *       only to the endpoint's own host, never to the CDN.
 * </ul>
 * Connection errors, 429 and 5xx are retried with exponential backoff. Errors are the Hub's: {@code X-Error-Code}
 * {@code RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound} and {@code GatedRepo} become messages that
 * say what was not found or where to accept a licence. No message contains the token.
 */
final class HubHttp {
  /** A repository at a revision. */
  record RepoInfo(String sha, List<String> files) {}

  /** What a HEAD says about one file. */
  record FileMeta(String commit, String etag, URI location, long size, boolean lfs) {}

  /** Receives download events for one file. */
  @FunctionalInterface
  interface Events {
    void emit(DownloadEvent.Kind kind, long bytes, long total, long resumedFrom, Duration elapsed, String message);
  }

  /** The Hub could not be reached (connection errors or 5xx after every retry): the cache may still serve. */
  static final class UnreachableException extends DownloadException {
    private static final long serialVersionUID = 1L;

    UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final int CHUNK = 1 << 20;
  private static final long PROGRESS_EVERY_NANOS = 100_000_000L;

  /** One daemon thread that drops stalled downloads, made on first use. */
  private static final class Watchdog {
    static final ScheduledExecutorService EXECUTOR = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vidgen-download-watchdog");
      t.setDaemon(true);
      return t;
    });
  }

  private final HubConfig cfg;
  private final HttpClient client;
  private final String userAgent;

  HubHttp(HubConfig cfg) {
    this.cfg = cfg;
    this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1).connectTimeout(cfg.requestTimeout()).build();
    this.userAgent = "vidgen/" + Objects.requireNonNullElse(HubHttp.class.getPackage().getImplementationVersion(),
        "dev") + "; java/" + System.getProperty("java.version");
  }

  // ---- requests -------------------------------------------------------------------------------------------------

  /**
   * {@code GET /api/models/{repo}/revision/{rev}}: the commit and the file list.
   *
   * @param retries how often to retry after connection errors, 429 and 5xx (0 when a cached copy can stand in)
   */
  RepoInfo revision(RepoRef ref, Events events, int retries) {
    URI url = URI.create(cfg.endpoint() + "/api/models/" + ref.repo() + "/revision/" + encode(ref.revision()));
    HttpResponse<byte[]> r = sendFollowingRelative(url, "GET", HttpResponse.BodyHandlers.ofByteArray(), ref, null,
        events, retries);
    if (r.statusCode() != 200) {
      throw error(r, ref, null, true);
    }
    try {
      JsonObject o = JsonParser.parseString(new String(r.body(), StandardCharsets.UTF_8)).getAsJsonObject();
      String sha = o.has("sha") && o.get("sha").isJsonPrimitive() ? o.get("sha").getAsString() : null;
      if (!RepoRef.isCommit(sha)) {
        throw new DownloadException(ref + ": the Hub's answer for revision '" + ref.revision() + "' has no commit "
            + "sha (" + strip(url) + ")");
      }
      List<String> files = new ArrayList<>();
      if (o.has("siblings") && o.get("siblings").isJsonArray()) {
        for (JsonElement s : o.getAsJsonArray("siblings")) {
          if (s.isJsonObject() && s.getAsJsonObject().has("rfilename")) {
            files.add(s.getAsJsonObject().get("rfilename").getAsString());
          }
        }
      }
      return new RepoInfo(sha, List.copyOf(files));
    } catch (RuntimeException e) {
      if (e instanceof VidgenException v) {
        throw v;
      }
      throw new DownloadException(ref + ": the Hub's answer to " + strip(url) + " is not the expected JSON: " + e, e);
    }
  }

  /** {@code HEAD /{repo}/resolve/{commit}/{path}}, not following the redirect to the CDN. */
  FileMeta head(RepoRef ref, String commit, String file, Events events) {
    URI url = resolveUrl(ref, commit, file);
    HttpResponse<Void> r = sendFollowingRelative(url, "HEAD", HttpResponse.BodyHandlers.discarding(), ref, file,
        events, cfg.maxRetries());
    int code = r.statusCode();
    if (code >= 400 || code < 200) {
      throw error(r, ref, file, false);
    }
    String repoCommit = r.headers().firstValue("X-Repo-Commit").orElse(null);
    if (repoCommit == null) {
      throw new DownloadException(ref + ": " + file + ": the answer has no X-Repo-Commit header, so it does not come "
          + "from a Hugging Face Hub (check HF_ENDPOINT, proxy and firewall settings; " + strip(url) + ")");
    }
    String linked = r.headers().firstValue("X-Linked-Etag").orElse(null);
    String etag = normalizeEtag(linked != null ? linked : r.headers().firstValue("ETag").orElse(null));
    if (etag == null) {
      throw new DownloadException(ref + ": " + file + ": the Hub sent no ETag, so the download could not be checked");
    }
    String size = r.headers().firstValue("X-Linked-Size").or(() -> r.headers().firstValue("Content-Length"))
        .orElse(null);
    long bytes;
    try {
      bytes = Long.parseLong(Objects.requireNonNull(size));
      if (bytes < 0) {
        throw new NumberFormatException();
      }
    } catch (RuntimeException e) {
      throw new DownloadException(ref + ": " + file + ": the Hub sent no valid size (X-Linked-Size/Content-Length: "
          + size + ")");
    }
    URI location = r.uri();
    if (code >= 300 && code < 400) {
      String loc = r.headers().firstValue("Location").orElseThrow(() -> new DownloadException(ref + ": " + file
          + ": HTTP " + code + " without a Location"));
      location = r.uri().resolve(loc);
    }
    if (linked != null && !SHA256.matcher(etag).matches()) {
      throw new DownloadException(ref + ": " + file + ": X-Linked-Etag '" + etag + "' is not a sha256");
    }
    return new FileMeta(repoCommit, etag, location, bytes, linked != null);
  }

  /**
   * Downloads a file into {@code incomplete}, appending to what is already there (a resumed download), until it has
   * {@code meta.size()} bytes; then checks the sha256 of LFS files. A mismatch deletes the partial file and throws.
   */
  void download(RepoRef ref, String file, FileMeta meta, Path incomplete, Events events) {
    MessageDigest sha = meta.lfs() ? sha256() : null;
    long start = System.nanoTime();
    long have;
    try {
      have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
      if (have > meta.size()) {
        Files.delete(incomplete); // longer than the file: not a prefix of it
        have = 0;
      }
      if (sha != null && have > 0) {
        hashPrefix(incomplete, have, sha);
      }
    } catch (IOException e) {
      throw new DownloadException(ref + ": " + file + ": cannot read the partial download " + incomplete + ": "
          + e.getMessage(), e);
    }
    long resumedFrom = have;
    events.emit(DownloadEvent.Kind.STARTED, have, meta.size(), resumedFrom, Duration.ZERO,
        have > 0 ? "resuming at byte " + have : null);
    int failures = 0;
    URI url = meta.location();
    while (have < meta.size() || meta.size() == 0 && !Files.exists(incomplete)) {
      long before = have;
      try {
        have = fetchFrom(ref, file, url, have, meta.size(), incomplete, sha, events, start, resumedFrom);
      } catch (IOException e) {
        if (e instanceof PartialDownload partial) {
          have = partial.have;
        }
        if (have > before) {
          failures = 0; // data arrived: the retry budget starts again, as huggingface_hub's http_get does
        }
        if (++failures > cfg.maxRetries()) {
          throw new UnreachableException(ref + ": " + file + ": download failed after " + failures + " attempts at "
              + "byte " + have + " of " + meta.size() + ": " + describe(e) + ". The partial file stays in the cache "
              + "and the next run resumes it.", e);
        }
        events.emit(DownloadEvent.Kind.RETRYING, have, meta.size(), resumedFrom, since(start),
            "connection lost at byte " + have + " (" + describe(e) + "); resuming with Range: bytes=" + have + "-");
        pause(failures - 1, null);
        continue;
      }
      if (have < meta.size()) { // the server ended the body early without an error
        if (++failures > cfg.maxRetries()) {
          throw new UnreachableException(ref + ": " + file + ": the server keeps ending the download early (byte "
              + have + " of " + meta.size() + ")", null);
        }
        pause(failures - 1, null);
      }
      if (meta.size() == 0) {
        break;
      }
    }
    if (sha != null) {
      String got = HexFormat.of().formatHex(sha.digest());
      if (!got.equals(meta.etag())) {
        try {
          Files.deleteIfExists(incomplete);
        } catch (IOException ignored) {
          // the message below is what matters; a stale partial file is overwritten next time
        }
        throw new DownloadException(ref + ": " + file + ": sha256 mismatch: the Hub announced " + meta.etag()
            + " (X-Linked-Etag) but the downloaded bytes hash to " + got + ". The download was deleted and nothing "
            + "was added to the cache; run again, and if it persists the file or a proxy on the way is corrupt.");
      }
    }
    events.emit(DownloadEvent.Kind.FINISHED, have, meta.size(), resumedFrom, since(start), null);
  }

  /** One GET from byte {@code have}; returns the new length of the partial file. */
  private long fetchFrom(RepoRef ref, String file, URI url, long have, long total, Path incomplete, MessageDigest sha,
      Events events, long start, long resumedFrom) throws IOException {
    URI target = url;
    HttpResponse<InputStream> r = null;
    for (int hop = 0; hop <= 5; hop++) {
      HttpRequest.Builder b = request(target, "GET").timeout(cfg.requestTimeout().plus(cfg.stallTimeout()));
      if (have > 0) {
        b.header("Range", "bytes=" + have + "-");
      }
      r = sendOnce(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      int code = r.statusCode();
      if (code >= 300 && code < 400 && r.headers().firstValue("Location").isPresent()) {
        r.body().close();
        target = target.resolve(r.headers().firstValue("Location").get());
        continue;
      }
      break;
    }
    int code = r.statusCode();
    if (code == 429 || code >= 500) {
      r.body().close();
      throw new IOException("HTTP " + code + " from " + strip(target));
    }
    if (code == 416 && have == total) {
      r.body().close();
      return have;
    }
    if (code != 200 && code != 206) {
      String codeHeader = r.headers().firstValue("X-Error-Code").orElse(null);
      r.body().close();
      throw error(code, codeHeader, r.headers().firstValue("X-Error-Message").orElse(null), target, ref, file,
          false);
    }
    boolean append = have > 0 && code == 206;
    if (code == 206) {
      Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
      if (!m.matches() || Long.parseLong(m.group(1)) != have) {
        r.body().close();
        throw new DownloadException(ref + ": " + file + ": asked for bytes from " + have + " but the server sent "
            + "Content-Range '" + r.headers().firstValue("Content-Range").orElse("") + "'");
      }
    } else if (have > 0) { // the server ignored the Range: start over
      have = 0;
      if (sha != null) {
        sha.reset();
      }
    }
    AtomicLong lastRead = new AtomicLong(System.nanoTime());
    AtomicBoolean stalled = new AtomicBoolean();
    InputStream in = r.body();
    long stallNanos = cfg.stallTimeout().toNanos();
    long period = Math.max(10, Math.min(1000, cfg.stallTimeout().toMillis() / 4));
    ScheduledFuture<?> watch = Watchdog.EXECUTOR.scheduleAtFixedRate(() -> {
      if (System.nanoTime() - lastRead.get() > stallNanos && stalled.compareAndSet(false, true)) {
        try {
          in.close(); // unblocks the reading thread with an IOException
        } catch (IOException ignored) {
          // already closed
        }
      }
    }, period, period, TimeUnit.MILLISECONDS);
    try (in; FileChannel out = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
      byte[] buf = new byte[CHUNK];
      long lastEvent = 0;
      for (int n; (n = in.read(buf)) >= 0; ) {
        lastRead.set(System.nanoTime());
        if (have + n > total) {
          throw new DownloadException(ref + ": " + file + ": the server sent more than the " + total
              + " bytes it announced");
        }
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
          out.write(bb);
        }
        if (sha != null) {
          sha.update(buf, 0, n);
        }
        have += n;
        long now = System.nanoTime();
        if (now - lastEvent >= PROGRESS_EVERY_NANOS || have == total) {
          lastEvent = now;
          events.emit(DownloadEvent.Kind.PROGRESS, have, total, resumedFrom, since(start), null);
        }
      }
      return have;
    } catch (IOException e) {
      throw new PartialDownload(stalled.get() ? new IOException("no data for " + cfg.stallTimeout().toMillis()
          + " ms (HF_HUB_DOWNLOAD_TIMEOUT)", e) : e, have);
    } finally {
      watch.cancel(false);
    }
  }

  /** A body that broke off after some bytes: the caller resumes from {@link #have}. */
  private static final class PartialDownload extends IOException {
    private static final long serialVersionUID = 1L;
    final long have;

    PartialDownload(IOException cause, long have) {
      super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
      this.have = have;
    }
  }

  // ---- plumbing -------------------------------------------------------------------------------------------------

  private URI resolveUrl(RepoRef ref, String commit, String file) {
    StringBuilder path = new StringBuilder();
    for (String seg : file.split("/")) {
      path.append('/').append(encode(seg));
    }
    return URI.create(cfg.endpoint() + "/" + ref.repo() + "/resolve/" + encode(commit) + path);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private HttpRequest.Builder request(URI url, String method) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(cfg.requestTimeout()).header("User-Agent", userAgent).header("Accept-Encoding", "identity");
    if (cfg.token() != null && sameOrigin(url, cfg.endpoint())) {
      b.header("Authorization", "Bearer " + cfg.token());
    }
    return b;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
        && a.getPort() == b.getPort();
  }

  /** Sends with retries, following redirects only to the same host (a renamed repository), as huggingface_hub. */
  private <T> HttpResponse<T> sendFollowingRelative(URI url, String method, HttpResponse.BodyHandler<T> handler,
      RepoRef ref, String file, Events events, int retries) {
    URI target = url;
    for (int hop = 0; ; hop++) {
      HttpResponse<T> r = sendWithRetries(request(target, method).build(), handler, ref, file, events, retries);
      String loc = r.headers().firstValue("Location").orElse(null);
      if (r.statusCode() >= 300 && r.statusCode() < 400 && loc != null && hop < 5) {
        URI next = target.resolve(loc);
        if (URI.create(loc).getHost() == null && sameOrigin(next, target)) {
          target = next;
          continue;
        }
      }
      return r;
    }
  }

  private <T> HttpResponse<T> sendWithRetries(HttpRequest req, HttpResponse.BodyHandler<T> handler, RepoRef ref,
      String file, Events events, int retries) {
    for (int attempt = 0; ; attempt++) {
      String problem;
      String retryAfter = null;
      Throwable cause = null;
      try {
        HttpResponse<T> r = sendOnce(req, handler);
        int code = r.statusCode();
        if (code != 429 && code < 500) {
          return r;
        }
        problem = "HTTP " + code;
        retryAfter = r.headers().firstValue("Retry-After").orElse(null);
        if (attempt >= retries) {
          throw new UnreachableException(ref + (file == null ? "" : ": " + file) + ": " + strip(req.uri())
              + " answered " + problem + " " + (attempt + 1) + " times; the Hub may be down or rate-limiting, try "
              + "again later", null);
        }
      } catch (IOException e) {
        problem = describe(e);
        cause = e;
        if (attempt >= retries) {
          throw new UnreachableException(ref + (file == null ? "" : ": " + file) + ": cannot reach " + cfg.endpoint()
              + " (" + problem + ", " + (attempt + 1) + " attempts). Check the connection and HF_ENDPOINT, or set "
              + "HF_HUB_OFFLINE=1 to use only the cache.", cause);
        }
      }
      events.emit(DownloadEvent.Kind.RETRYING, 0, -1, 0, Duration.ZERO, problem + " from " + strip(req.uri())
          + "; retry " + (attempt + 1) + " of " + retries);
      pause(attempt, retryAfter);
    }
  }

  private <T> HttpResponse<T> sendOnce(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
    try {
      return client.send(req, handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DownloadException("interrupted while requesting " + strip(req.uri()));
    }
  }

  private void pause(int attempt, String retryAfter) {
    long millis = cfg.initialBackoff().toMillis() << Math.min(attempt, 20);
    if (retryAfter != null) {
      try {
        millis = Math.max(millis, Math.min(60, Long.parseLong(retryAfter.strip())) * 1000);
      } catch (NumberFormatException ignored) {
        // an HTTP date: keep the exponential pause
      }
    }
    try {
      Thread.sleep(Math.min(millis, MAX_BACKOFF.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DownloadException("interrupted while waiting to retry a download");
    }
  }

  private VidgenException error(HttpResponse<?> r, RepoRef ref, String file, boolean api) {
    return error(r.statusCode(), r.headers().firstValue("X-Error-Code").orElse(null),
        r.headers().firstValue("X-Error-Message").orElse(null), r.uri(), ref, file, api);
  }

  /** The Hub's error, in words (huggingface_hub's hf_raise_for_status cases). */
  private VidgenException error(int code, String errorCode, String serverMessage, URI url, RepoRef ref, String file,
      boolean api) {
    String server = serverMessage == null ? "" : " (the Hub says: " + redact(serverMessage) + ")";
    String page = cfg.endpoint() + "/" + ref.repo();
    if ("GatedRepo".equals(errorCode)) {
      return new ModelAccessException(ref.repo() + " is a gated model: open " + page + ", log in and accept its "
          + "licence, then set HF_TOKEN to an access token of that account (" + cfg.endpoint() + "/settings/tokens)"
          + (cfg.token() == null ? "; no token was sent (HF_TOKEN is not set and there is no token file)"
              : "; the token that was sent is not allowed yet (HTTP " + code + ")") + server);
    }
    if ("RevisionNotFound".equals(errorCode)) {
      return new ModelNotFoundException("revision '" + ref.revision() + "' of " + ref.repo() + " was not found on "
          + cfg.endpoint() + " (HTTP " + code + ")" + server);
    }
    if ("EntryNotFound".equals(errorCode)) {
      return new ModelNotFoundException("file '" + file + "' was not found in " + ref.repo() + " at revision "
          + ref.revision() + " (HTTP " + code + ")" + server);
    }
    if ("RepoNotFound".equals(errorCode) || code == 401 || code == 404 && api) {
      return new ModelNotFoundException("repository " + ref.repo() + " was not found on " + cfg.endpoint() + " (HTTP "
          + code + "). Check the id (org/name, as on " + page + ")" + (cfg.token() == null ? "; a private "
              + "repository also needs HF_TOKEN" : "; the token that was sent does not give access to it") + server);
    }
    if (code == 403) {
      return new ModelAccessException(ref.repo() + ": access denied (HTTP 403) to " + strip(url) + server
          + (cfg.token() == null ? "; set HF_TOKEN if the model needs a login" : ""));
    }
    if (code == 404) {
      return new ModelNotFoundException(ref.repo() + (file == null ? "" : ": " + file) + ": not found (HTTP 404 "
          + "from " + strip(url) + ")" + server);
    }
    return new DownloadException(ref.repo() + (file == null ? "" : ": " + file) + ": unexpected HTTP " + code
        + " from " + strip(url) + server);
  }

  /** huggingface_hub's _normalize_etag: drops a weak {@code W/} prefix and the quotes. */
  static String normalizeEtag(String etag) {
    if (etag == null) {
      return null;
    }
    String e = etag.strip();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    e = e.replaceAll("^\"+|\"+$", "");
    return e.isEmpty() ? null : e;
  }

  /** A URL for messages: without its query (CDN URLs carry signatures there). */
  static String strip(URI u) {
    String s = u.toString();
    int q = s.indexOf('?');
    return q < 0 ? s : s.substring(0, q);
  }

  private String redact(String s) {
    String out = s.length() > 300 ? s.substring(0, 300) + "..." : s;
    return cfg.token() == null ? out : out.replace(cfg.token(), "<token>");
  }

  private String describe(IOException e) {
    Throwable t = e instanceof PartialDownload && e.getCause() != null ? e.getCause() : e;
    String m = t.getMessage();
    return redact(t.getClass().getSimpleName() + (m == null ? "" : ": " + m));
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static void hashPrefix(Path file, long length, MessageDigest sha) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[CHUNK];
      long left = length;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException("the partial file shrank while it was read");
        }
        sha.update(buf, 0, n);
        left -= n;
      }
    }
  }
}
