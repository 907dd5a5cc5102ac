package dev.vidgen.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.vidgen.api.ModelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP face of {@link JobService}: routing, the JSON API, uploads, Server-Sent Events, video download with byte
 * ranges, the web page, and the API key. Every error is a JSON body {@code {"error": "..."}} with its status.
 *
 * <p>Paths are matched segment by segment against fixed routes; job ids must look like ids ({@link JobStore#ID}).
 * A path with percent-escapes, backslashes or {@code .}/{@code ..} segments is refused before routing, so no request
 * can name a file: the service builds every path it opens from a generated id.
 */
final class HttpApi implements HttpHandler {
  /** Concurrent event streams; each holds an HTTP thread, so the rest must stay free for ordinary requests. */
  static final int MAX_EVENT_STREAMS = 32;
  /** Event streams send a comment this often, to notice a client that went away. */
  static final long KEEPALIVE_MILLIS = 15_000;
  private static final Pattern SAFE_PATH = Pattern.compile("(/[A-Za-z0-9_.\\-]+)*/?");
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
  private static final Map<String, String> STATIC = Map.of("", "index.html", "app.js", "app.js", "style.css",
      "style.css");

  private final ServerConfig config;
  private final JobService service;
  private final JobStore store;
  private final Instant startedAt = Instant.now();
  private final AtomicInteger eventStreams = new AtomicInteger();
  private final Map<String, byte[]> resources = new LinkedHashMap<>();
  private volatile boolean stopping;

  HttpApi(ServerConfig config, JobService service, JobStore store) {
    this.config = config;
    this.service = service;
    this.store = store;
    for (String name : STATIC.values()) {
      try (InputStream in = HttpApi.class.getResourceAsStream("ui/" + name)) {
        if (in == null) {
          throw new IllegalStateException("the web page resource dev/vidgen/server/ui/" + name + " is missing");
        }
        resources.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the web page resource " + name, e);
      }
    }
  }

  /** Event streams end at their next keep-alive. */
  void stopping() {
    stopping = true;
  }

  @Override
  public void handle(HttpExchange ex) {
    try (ex) {
      try {
        route(ex);
      } catch (ApiException e) {
        sendError(ex, e.status(), e.getMessage(), e.headers());
      } catch (RuntimeException e) {
        config.log().println("vidgen serve: " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath()
            + " failed:");
        e.printStackTrace(config.log());
        sendError(ex, 500, "internal error: " + e.getClass().getSimpleName(), Map.of());
      }
    } catch (IOException e) {
      // the client went away; nothing to answer
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String raw = ex.getRequestURI().getRawPath();
    if (raw == null || !SAFE_PATH.matcher(raw).matches()) {
      throw ApiException.badRequest("path not allowed: only letters, digits, '.', '_' and '-' may appear between "
          + "slashes, without escapes");
    }
    List<String> seg = new ArrayList<>();
    for (String s : raw.split("/")) {
      if (s.equals(".") || s.equals("..")) {
        throw ApiException.badRequest("path not allowed: '.' and '..' segments are refused");
      }
      if (!s.isEmpty()) {
        seg.add(s);
      }
    }
    if (seg.isEmpty() || seg.size() == 1 && STATIC.containsKey(seg.get(0))) {
      allow(method, "GET");
      sendStatic(ex, STATIC.get(seg.isEmpty() ? "" : seg.get(0)));
      return;
    }
    if (seg.size() == 1 && seg.get(0).equals("health")) {
      allow(method, "GET");
      sendJson(ex, 200, health());
      return;
    }
    if (!seg.get(0).equals("v1")) {
      throw ApiException.notFound("no such endpoint: " + raw);
    }
    authorize(ex);
    if (seg.size() == 2 && seg.get(1).equals("models")) {
      allow(method, "GET");
      sendJson(ex, 200, models());
      return;
    }
    if (seg.size() >= 2 && seg.get(1).equals("jobs")) {
      if (seg.size() == 2) {
        allow(method, "GET", "POST");
        if (method.equals("POST")) {
          submit(ex);
        } else {
          list(ex);
        }
        return;
      }
      Job job = job(seg.get(2));
      if (seg.size() == 3) {
        allow(method, "GET", "DELETE");
        if (method.equals("DELETE")) {
          service.cancel(job);
          // 200 when the job is cancelled already (it was queued); 202 while a running job reaches its next step
          sendJson(ex, job.state().terminal() ? 200 : 202, view(job));
        } else {
          sendJson(ex, 200, view(job));
        }
        return;
      }
      if (seg.size() == 4 && seg.get(3).equals("video")) {
        allow(method, "GET");
        video(ex, job);
        return;
      }
      if (seg.size() == 4 && seg.get(3).equals("events")) {
        allow(method, "GET");
        events(ex, job);
        return;
      }
    }
    throw ApiException.notFound("no such endpoint: " + raw);
  }

  private static void allow(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    throw new ApiException(405, "method " + method + " is not allowed here; use " + String.join(" or ", allowed),
        Map.of("Allow", String.join(", ", allowed)));
  }

  private void authorize(HttpExchange ex) {
    if (config.apiKey() == null) {
      return;
    }
    String h = ex.getRequestHeaders().getFirst("Authorization");
    String expected = "Bearer " + config.apiKey();
    if (h == null || !MessageDigest.isEqual(h.trim().getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiException(401, h == null ? "this server needs an API key: send 'Authorization: Bearer KEY'"
          : "wrong API key", Map.of("WWW-Authenticate", "Bearer realm=\"vidgen\""));
    }
  }

  private Job job(String id) {
    Job j = JobStore.ID.matcher(id).matches() ? service.find(id) : null;
    if (j == null) {
      throw ApiException.notFound("no job with id '" + id + "'");
    }
    return j;
  }

  private JsonObject view(Job job) {
    return job.toJson(service.queuePosition(job));
  }

  // ---- POST /v1/jobs ----

  private void submit(HttpExchange ex) throws IOException {
    JobRequests.Submission s = JobRequests.read(ex, config.maxUploadBytes(), config.defaultModel(),
        service.models()::canonical);
    JobService.Accepted accepted = service.submit(s.spec(), s.image());
    ex.getResponseHeaders().set("Location", "/v1/jobs/" + accepted.job().id);
    sendJson(ex, 202, accepted.view());
  }

  // ---- GET /v1/jobs, /v1/models, /health ----

  private void list(HttpExchange ex) throws IOException {
    int limit = 20;
    String q = ex.getRequestURI().getRawQuery();
    if (q != null && !q.isEmpty()) {
      for (String kv : q.split("&")) {
        int eq = kv.indexOf('=');
        String k = eq < 0 ? kv : kv.substring(0, eq);
        String v = eq < 0 ? "" : kv.substring(eq + 1);
        if (!k.equals("limit")) {
          throw ApiException.badRequest("unknown query parameter '" + k + "'; GET /v1/jobs takes limit=N");
        }
        try {
          limit = Integer.parseInt(v);
        } catch (NumberFormatException e) {
          limit = -1;
        }
        if (limit < 1 || limit > 1000) {
          throw ApiException.badRequest("query parameter 'limit' must be a whole number from 1 to 1000, got '" + v
              + "'");
        }
      }
    }
    JsonArray arr = new JsonArray();
    for (Job j : service.newest(limit)) {
      arr.add(view(j));
    }
    JsonObject o = new JsonObject();
    o.add("jobs", arr);
    o.addProperty("total", service.size());
    sendJson(ex, 200, o);
  }

  private JsonObject models() {
    Map<String, Boolean> available = service.models().availability();
    List<String> loaded = service.loadedModels();
    JsonArray arr = new JsonArray();
    for (ModelInfo m : modelInfos()) {
      JsonObject o = new JsonObject();
      o.addProperty("id", m.alias());
      o.addProperty("family", m.family());
      o.addProperty("description", m.description());
      o.addProperty("note", m.note());
      JsonArray repos = new JsonArray();
      m.repoIds().forEach(repos::add);
      o.add("repositories", repos);
      JsonArray pipes = new JsonArray();
      m.pipelineClasses().forEach(pipes::add);
      o.add("pipelines", pipes);
      o.addProperty("available", available.getOrDefault(m.alias(), false));
      o.addProperty("loaded", loaded.contains(m.alias()));
      o.addProperty("default", m.alias().equals(config.defaultModel()));
      arr.add(o);
    }
    JsonObject out = new JsonObject();
    out.add("models", arr);
    out.addProperty("default", config.defaultModel());
    JsonArray l = new JsonArray();
    loaded.stream().distinct().forEach(l::add);
    out.add("loaded", l);
    return out;
  }

  private List<ModelInfo> modelInfos() {
    List<ModelInfo> out = new ArrayList<>();
    for (var p : service.models().registry().providers()) {
      for (var v : p.variants()) {
        out.add(new ModelInfo(p.id(), v.alias(), v.repoIds(), v.description(), v.note(),
            List.copyOf(p.pipelineClasses())));
      }
    }
    return out;
  }

  private JsonObject health() {
    JsonObject o = new JsonObject();
    o.addProperty("status", service.accepting() ? "ok" : "stopping");
    o.addProperty("uptime_s", Duration.between(startedAt, Instant.now()).toSeconds());
    o.addProperty("workers", config.workers());
    o.addProperty("running", service.running());
    o.addProperty("queued", service.queued());
    o.addProperty("queue_capacity", config.queueCapacity());
    o.addProperty("jobs", service.size());
    JsonArray l = new JsonArray();
    service.loadedModels().forEach(l::add);
    o.add("loaded_models", l);
    o.addProperty("native_arrays", service.liveNativeArrays());
    o.addProperty("event_streams", eventStreams.get());
    o.addProperty("auth", config.apiKey() != null);
    return o;
  }

  // ---- GET /v1/jobs/{id}/video ----

  private void video(HttpExchange ex, Job job) throws IOException {
    Job.State s = job.state();
    if (s != Job.State.SUCCEEDED) {
      JsonObject o = new JsonObject();
      o.addProperty("error", "job " + job.id + " is " + s.json() + (s.terminal() ? " and has no video"
          : "; its video exists once it has succeeded"));
      o.addProperty("state", s.json());
      sendJson(ex, 409, o);
      return;
    }
    Path file = store.video(job);
    FileChannel ch;
    try {
      ch = FileChannel.open(file);
    } catch (NoSuchFileException e) {
      throw ApiException.notFound("the video of job " + job.id + " is gone (deleted by the retention limit)");
    }
    try (ch) {
      long len = ch.size();
      var h = ex.getResponseHeaders();
      h.set("Content-Type", job.spec.format().contentType);
      h.set("Accept-Ranges", "bytes");
      h.set("Cache-Control", "private, max-age=86400, immutable");
      h.set("Content-Disposition", "inline; filename=\"vidgen-" + job.id + "." + job.spec.format().extension + "\"");
      long from = 0;
      long to = len - 1;
      int status = 200;
      String range = ex.getRequestHeaders().getFirst("Range");
      if (range != null) {
        Matcher m = RANGE.matcher(range.trim());
        boolean ok = m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty());
        if (ok) {
          if (m.group(1).isEmpty()) { // bytes=-N: the last N bytes
            from = Math.max(0, len - Long.parseLong(m.group(2)));
          } else {
            from = Long.parseLong(m.group(1));
            to = m.group(2).isEmpty() ? len - 1 : Math.min(len - 1, Long.parseLong(m.group(2)));
          }
          ok = from <= to && from < len;
        }
        if (!ok) {
          h.set("Content-Range", "bytes */" + len);
          throw new ApiException(416, "cannot serve range '" + range + "' of a " + len + "-byte file");
        }
        status = 206;
        h.set("Content-Range", "bytes " + from + "-" + to + "/" + len);
      }
      long count = to - from + 1;
      ex.sendResponseHeaders(status, count);
      try (OutputStream out = ex.getResponseBody()) {
        ch.position(from);
        InputStream in = Channels.newInputStream(ch);
        byte[] buf = new byte[64 * 1024];
        long left = count;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            break;
          }
          out.write(buf, 0, n);
          left -= n;
        }
      }
    }
  }

  // ---- GET /v1/jobs/{id}/events ----

  private void events(HttpExchange ex, Job job) throws IOException {
    if (eventStreams.incrementAndGet() > MAX_EVENT_STREAMS) {
      eventStreams.decrementAndGet();
      throw new ApiException(503, "too many event streams open (" + MAX_EVENT_STREAMS + "); poll GET /v1/jobs/"
          + job.id + " instead", Map.of("Retry-After", "5"));
    }
    BlockingQueue<Job.Event> q = job.subscribe();
    try {
      var h = ex.getResponseHeaders();
      h.set("Content-Type", "text/event-stream; charset=utf-8");
      h.set("Cache-Control", "no-cache");
      h.set("X-Accel-Buffering", "no");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (true) {
        Job.Event e;
        try {
          e = q.poll(KEEPALIVE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
        if (e == null) {
          if (stopping) {
            break;
          }
          out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          continue;
        }
        out.write(("event: " + e.name() + "\ndata: " + e.data() + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (e.last()) {
          break;
        }
      }
      out.close();
    } finally {
      job.unsubscribe(q);
      eventStreams.decrementAndGet();
    }
  }

  // ---- responses ----

  private void sendStatic(HttpExchange ex, String name) throws IOException {
    byte[] body = resources.get(name);
    String type = name.endsWith(".html") ? "text/html; charset=utf-8" : name.endsWith(".js")
        ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    var h = ex.getResponseHeaders();
    h.set("Content-Type", type);
    h.set("Cache-Control", "no-cache");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Content-Security-Policy", "default-src 'self'; media-src 'self' blob:; img-src 'self' data: blob:; "
        + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  static void sendJson(HttpExchange ex, int status, JsonObject body) throws IOException {
    byte[] bytes = (body.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void sendError(HttpExchange ex, int status, String message, Map<String, String> headers)
      throws IOException {
    if (ex.getResponseCode() != -1) {
      return; // the response had started; the connection closes
    }
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    sendJson(ex, status, o);
  }
}
