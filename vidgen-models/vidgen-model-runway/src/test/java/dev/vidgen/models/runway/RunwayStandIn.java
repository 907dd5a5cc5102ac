package dev.vidgen.models.runway;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.Video;
import dev.vidgen.codec.Mp4Writer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback stand-in for Runway's API (version 2024-11-06), on the JDK's HTTP server at 127.0.0.1 and a free port,
 * scripted per test. What it implements of the contract:
 *
 * <ul>
 *   <li>{@code POST /v1/text_to_video}, {@code POST /v1/image_to_video}: {@code {"id": "task-N"}}, after any scripted
 *       responses queued with {@link #failCreate} (a 429 with {@code Retry-After}, a 503, a dropped connection).
 *   <li>{@code GET /v1/tasks/{id}}: the scripted states in order, the last repeated; {@code CANCELLED} once the task
 *       was deleted. Unknown ids: 404.
 *   <li>{@code DELETE /v1/tasks/{id}}: 204.
 *   <li>Every {@code /v1} call needs {@code Authorization: Bearer <key>} (else 401 {@code {"error": ...}}) and {@code
 *       X-Runway-Version: 2024-11-06} (else 400).
 *   <li>{@code GET /outputs/{name}.mp4}: the served MP4, {@link #outputDownloadsAllowed} times, then 403 as an
 *       expired signed URL answers. Each succeeded state names a fresh output URL.
 * </ul>
 *
 * Every request is recorded ({@link #requests()}).
 */
public final class RunwayStandIn implements AutoCloseable {
  public static final String KEY = "key_" + "0123456789abcdef".repeat(8);

  /** One request as received. */
  public record Recorded(String method, String path, Map<String, String> headers, String body) {
    public JsonObject json() {
      return JsonParser.parseString(body).getAsJsonObject();
    }
  }

  /** A scripted answer. */
  private record Scripted(int status, Map<String, String> headers, String body, boolean dropConnection) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final String key;
  private final List<Recorded> requests = new ArrayList<>();
  private final Deque<Scripted> createFailures = new ArrayDeque<>();
  private final List<String> states = new ArrayList<>();
  private final Map<String, Integer> polls = new LinkedHashMap<>();
  private final Map<String, Boolean> deleted = new LinkedHashMap<>();
  private byte[] mp4 = new byte[0];
  private int outputDownloadsAllowed = Integer.MAX_VALUE;
  private boolean relativeOutputs;
  private int refuseFirst;
  private int downloadAttempts;
  private int outputDownloads;
  private int taskCount;
  private int outputCount;

  /** A stand-in that accepts {@link #KEY}. */
  public RunwayStandIn() throws IOException {
    this(KEY);
  }

  public RunwayStandIn(String acceptedKey) throws IOException {
    this.key = acceptedKey;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
    states.add(succeeded());
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The task states GET returns, in order; the last one repeats. {@code SUCCEEDED} states get a fresh output URL. */
  public synchronized RunwayStandIn states(String... jsonStates) {
    states.clear();
    states.addAll(List.of(jsonStates));
    return this;
  }

  /** The video the output URLs serve, encoded with vidgen's own MP4 writer. */
  public synchronized RunwayStandIn serve(Video video) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Mp4Writer().write(video, out, SaveOptions.DEFAULT);
    this.mp4 = out.toByteArray();
    return this;
  }

  /** How many downloads of outputs succeed before they answer 403 (expired). */
  public synchronized RunwayStandIn outputDownloadsAllowed(int n) {
    this.outputDownloadsAllowed = n;
    return this;
  }

  /** The first {@code n} downloads answer 403 (expired); later ones are served. */
  public synchronized RunwayStandIn refuseFirstDownloads(int n) {
    this.refuseFirst = n;
    return this;
  }

  /** Output URLs without scheme and host ({@code /outputs/...}), as a sloppy stand-in might write them. */
  public synchronized RunwayStandIn relativeOutputs() {
    this.relativeOutputs = true;
    return this;
  }

  /** The next create call answers this instead of creating a task. */
  public synchronized RunwayStandIn failCreate(int status, Map<String, String> headers, String body) {
    createFailures.add(new Scripted(status, headers, body, false));
    return this;
  }

  /** The next create call's connection is closed without an answer. */
  public synchronized RunwayStandIn dropCreate() {
    createFailures.add(new Scripted(0, Map.of(), "", true));
    return this;
  }

  public static String pending() {
    return "{\"status\": \"PENDING\"}";
  }

  public static String throttled() {
    return "{\"status\": \"THROTTLED\"}";
  }

  public static String running(double progress) {
    return String.format(Locale.ROOT, "{\"status\": \"RUNNING\", \"progress\": %s}", progress);
  }

  public static String succeeded() {
    return "{\"status\": \"SUCCEEDED\"}";
  }

  public static String failed(String failure, String failureCode) {
    JsonObject o = new JsonObject();
    o.addProperty("status", "FAILED");
    o.addProperty("failure", failure);
    o.addProperty("failureCode", failureCode);
    return o.toString();
  }

  public static String cancelled() {
    return "{\"status\": \"CANCELLED\"}";
  }

  public synchronized List<Recorded> requests() {
    return List.copyOf(requests);
  }

  /** The recorded requests of one method whose path starts with {@code prefix}. */
  public synchronized List<Recorded> requests(String method, String prefix) {
    return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(prefix)).toList();
  }

  public synchronized int outputDownloads() {
    return outputDownloads;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getPath();
      byte[] in = ex.getRequestBody().readAllBytes();
      Map<String, String> headers = new LinkedHashMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
      Scripted answer;
      synchronized (this) {
        requests.add(new Recorded(method, path, headers, new String(in, StandardCharsets.UTF_8)));
        answer = route(method, path, headers);
      }
      if (answer.dropConnection()) {
        return; // closing the exchange without a response drops the connection
      }
      answer.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      byte[] body = answer.body().getBytes(StandardCharsets.ISO_8859_1);
      if (answer.status() == 204) {
        ex.sendResponseHeaders(204, -1);
        return;
      }
      ex.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private Scripted route(String method, String path, Map<String, String> headers) {
    if (path.startsWith("/outputs/") && method.equals("GET")) {
      if (downloadAttempts++ < refuseFirst || outputDownloads >= outputDownloadsAllowed) {
        return json(403, "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired"
            + "</Message></Error>");
      }
      outputDownloads++;
      return new Scripted(200, Map.of("Content-Type", "video/mp4"), new String(mp4, StandardCharsets.ISO_8859_1),
          false);
    }
    if (!path.startsWith("/v1/")) {
      return error(404, "Not found");
    }
    if (!("Bearer " + key).equals(headers.get("authorization"))) {
      return error(401, "Invalid API key: " + headers.getOrDefault("authorization", "(none)"));
    }
    if (!"2024-11-06".equals(headers.get("x-runway-version"))) {
      return error(400, "X-Runway-Version header is missing or invalid");
    }
    if (method.equals("POST") && (path.equals("/v1/text_to_video") || path.equals("/v1/image_to_video"))) {
      if (!createFailures.isEmpty()) {
        return createFailures.poll();
      }
      String id = "task-" + (++taskCount);
      polls.put(id, 0);
      return json(200, "{\"id\": \"" + id + "\"}");
    }
    if (path.startsWith("/v1/tasks/")) {
      String id = path.substring("/v1/tasks/".length());
      if (!polls.containsKey(id)) {
        return error(404, "Task not found");
      }
      if (method.equals("DELETE")) {
        deleted.put(id, true);
        return new Scripted(204, Map.of(), "", false);
      }
      if (method.equals("GET")) {
        int n = polls.merge(id, 1, Integer::sum) - 1;
        JsonObject state = deleted.containsKey(id) ? JsonParser.parseString(cancelled()).getAsJsonObject()
            : JsonParser.parseString(states.get(Math.min(n, states.size() - 1))).getAsJsonObject();
        state.addProperty("id", id);
        state.addProperty("createdAt", "2026-08-01T12:00:00.000Z");
        if (state.get("status").getAsString().equals("SUCCEEDED")) {
          var output = new com.google.gson.JsonArray();
          output.add((relativeOutputs ? "" : baseUrl()) + "/outputs/" + id + "-" + (++outputCount)
              + ".mp4?sig=abc&expires=1");
          state.add("output", output);
        }
        return json(200, state.toString());
      }
      return error(405, "Method not allowed");
    }
    return error(404, "Not found");
  }

  private static Scripted json(int status, String body) {
    return new Scripted(status, Map.of("Content-Type", "application/json"), body, false);
  }

  private static Scripted error(int status, String message) {
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    return json(status, o.toString());
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** A test video: a white vertical bar 4 pixels wide crossing a dark grey frame from left to right, at 24 fps. */
  public static Video movingBar(int frames, int width, int height) {
    List<BufferedImage> images = new ArrayList<>();
    for (int f = 0; f < frames; f++) {
      BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(new Color(40, 40, 40));
      g.fillRect(0, 0, width, height);
      g.setColor(Color.WHITE);
      g.fillRect(barX(f, frames, width) - 2, 0, 4, height);
      g.dispose();
      images.add(img);
    }
    return Video.fromImages(images, 24);
  }

  /** The bar's centre column in frame {@code f}. */
  public static int barX(int f, int frames, int width) {
    return 4 + (width - 8) * f / (frames - 1);
  }
}
