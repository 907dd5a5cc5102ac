package dev.vidgen.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A Hugging Face Hub on loopback that speaks the protocol {@code huggingface_hub} uses, for tests without a network:
 * the Hub ({@link HttpServer}) and a CDN on another port (a raw HTTP/1.1 socket server, so that a fault can really
 * close a connection mid-body), both on 127.0.0.1.
 * <ul>
 *   <li>{@code GET /api/models/{org}/{name}/revision/{rev}}: {@code {"id", "sha", "siblings": [{"rfilename"}]}};
 *   <li>{@code HEAD|GET /{org}/{name}/resolve/{rev}/{path}}: small files answer 200 with {@code ETag} (their git blob
 *       sha1), {@code X-Repo-Commit} and {@code Content-Length}; LFS files (weights) answer 302 to the CDN with {@code
 *       X-Linked-Etag} (their sha256), {@code X-Linked-Size} and a signed-looking query;
 *   <li>the CDN serves blobs by sha256 with {@code Range} support (206), and records whether an Authorization header
 *       reached it (it must not);
 *   <li>errors as the Hub sends them: 401 {@code RepoNotFound} for unknown repositories, 401/403 {@code GatedRepo},
 *       404 {@code RevisionNotFound} / {@code EntryNotFound} (with {@code X-Repo-Commit}).
 * </ul>
 * Faults for the robustness tests: cut a CDN response after N bytes, stall it, serve corrupt bytes, answer a status N times,
 * slow the CDN down. Every request is logged.
 */
public final class MockHub implements AutoCloseable {
  /** One logged request. */
  public record Request(String server, String method, String path, String range, boolean authorization,
      long startNanos, long endNanos) {}

  /** A repository: its commit and files. */
  public static final class Repo {
    final String id;
    final String commit;
    final Map<String, byte[]> files;
    volatile boolean gated;
    final Set<String> acceptedTokens = ConcurrentHashMap.newKeySet();

    Repo(String id, Map<String, byte[]> files) {
      this.id = id;
      this.files = Collections.unmodifiableMap(new TreeMap<>(files));
      MessageDigest sha1 = digest("SHA-1");
      for (Map.Entry<String, byte[]> f : this.files.entrySet()) {
        sha1.update(f.getKey().getBytes(StandardCharsets.UTF_8));
        sha1.update(f.getValue());
      }
      this.commit = HexFormat.of().formatHex(sha1.digest());
    }

    public String commit() {
      return commit;
    }

    public Map<String, byte[]> files() {
      return files;
    }
  }

  private final HttpServer hub;
  private final ServerSocket cdn;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "mock-hub");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, byte[]> blobsBySha256 = new ConcurrentHashMap<>();
  private final List<Request> log = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Long> cuts = new ConcurrentHashMap<>();
  private final Map<String, Long> stalls = new ConcurrentHashMap<>();
  private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
  private final Map<String, Integer> failureStatus = new ConcurrentHashMap<>();
  private volatile long slowChunkBytes;
  private volatile long slowChunkMillis;

  public MockHub() {
    // The JDK server leaves Nagle on by default: its small header and body writes then wait ~40 ms for delayed ACKs,
    // which made every loopback request cost 50 ms. Read once, when the server classes first load.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    try {
      InetAddress loopback = InetAddress.getByName("127.0.0.1");
      hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
      cdn = new ServerSocket(0, 50, loopback);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    hub.createContext("/", this::hub);
    hub.setExecutor(pool);
    hub.start();
    pool.execute(this::acceptCdn);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
  }

  public URI cdnEndpoint() {
    return URI.create("http://127.0.0.1:" + cdn.getLocalPort());
  }

  /** Serves every file under {@code folder} (a diffusers folder) as repository {@code id}, plus {@code extra}. */
  public Repo addRepo(String id, Path folder, Map<String, byte[]> extra) {
    Map<String, byte[]> files = new TreeMap<>(extra);
    try (Stream<Path> s = Files.walk(folder)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return addRepo(id, files);
  }

  public Repo addRepo(String id, Map<String, byte[]> files) {
    Repo r = new Repo(id, files);
    for (Map.Entry<String, byte[]> f : r.files.entrySet()) {
      if (isLfs(f.getKey())) {
        blobsBySha256.put(sha256(f.getValue()), f.getValue());
      }
    }
    repos.put(id, r);
    return r;
  }

  /** Gates a repository: only these tokens (accounts that accepted the licence) may download. */
  public void gate(String id, String... acceptedTokens) {
    Repo r = repos.get(id);
    r.gated = true;
    r.acceptedTokens.addAll(List.of(acceptedTokens));
  }

  /** The next CDN download of {@code file} (path in the repo) breaks off after {@code bytes} body bytes. */
  public void cutOnce(String id, String file, long bytes) {
    cuts.put(sha256(repos.get(id).files.get(file)), bytes);
  }

  /**
   * The next CDN download of {@code file} sends {@code bytes} body bytes and then nothing, keeping the connection
   * open (a stalled transfer).
   */
  public void stallOnce(String id, String file, long bytes) {
    stalls.put(sha256(repos.get(id).files.get(file)), bytes);
  }

  /** The CDN serves {@code file} with one byte changed (same length), under its true sha256. */
  public void corrupt(String id, String file) {
    corrupt.add(sha256(repos.get(id).files.get(file)));
  }

  /** The next {@code times} requests whose path starts with {@code pathPrefix} answer {@code status}. */
  public void failNext(String pathPrefix, int status, int times) {
    failures.put(pathPrefix, new AtomicInteger(times));
    failureStatus.put(pathPrefix, status);
  }

  /** The CDN sends {@code bytes} per chunk and sleeps {@code millis} between chunks. */
  public void slowCdn(long bytes, long millis) {
    slowChunkBytes = bytes;
    slowChunkMillis = millis;
  }

  public List<Request> requests() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  public void clearRequests() {
    log.clear();
  }

  public static boolean isLfs(String file) {
    return file.endsWith(".safetensors") || file.endsWith(".bin") || file.endsWith(".msgpack")
        || file.endsWith(".onnx") || file.endsWith(".mp4");
  }

  public static String sha256(byte[] b) {
    return HexFormat.of().formatHex(digest("SHA-256").digest(b));
  }

  /** The ETag git gives a small file: sha1 of {@code "blob <length>\0"} and the content. */
  public static String gitBlobSha1(byte[] b) {
    MessageDigest sha1 = digest("SHA-1");
    sha1.update(("blob " + b.length + "\0").getBytes(StandardCharsets.UTF_8));
    sha1.update(b);
    return HexFormat.of().formatHex(sha1.digest());
  }

  private static MessageDigest digest(String alg) {
    try {
      return MessageDigest.getInstance(alg);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- the Hub --------------------------------------------------------------------------------------------------

  private void hub(HttpExchange ex) throws IOException {
    long start = System.nanoTime();
    String path = ex.getRequestURI().getRawPath();
    try {
      if (injectFailure(ex, path)) {
        return;
      }
      if (path.startsWith("/api/models/")) {
        api(ex, path.substring("/api/models/".length()));
      } else {
        resolve(ex, path.substring(1));
      }
    } finally {
      log.add(new Request("hub", ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Range"),
          ex.getRequestHeaders().containsKey("Authorization"), start, System.nanoTime()));
      ex.close();
    }
  }

  private boolean injectFailure(HttpExchange ex, String path) throws IOException {
    for (Map.Entry<String, AtomicInteger> f : failures.entrySet()) {
      if (path.startsWith(f.getKey()) && f.getValue().getAndDecrement() > 0) {
        send(ex, failureStatus.get(f.getKey()), Map.of(), new byte[0]);
        return true;
      }
    }
    return false;
  }

  private void api(HttpExchange ex, String rest) throws IOException {
    // {org}/{name}/revision/{rev}
    String[] p = rest.split("/", 4);
    if (p.length != 4 || !p[2].equals("revision")) {
      send(ex, 404, Map.of(), new byte[0]);
      return;
    }
    Repo r = repos.get(p[0] + "/" + p[1]);
    if (r == null) {
      send(ex, 401, Map.of("X-Error-Code", "RepoNotFound", "X-Error-Message", "Repository not found"), new byte[0]);
      return;
    }
    String rev = URLDecoder.decode(p[3], StandardCharsets.UTF_8);
    if (!rev.equals("main") && !rev.equals(r.commit)) {
      send(ex, 404, Map.of("X-Error-Code", "RevisionNotFound", "X-Error-Message", "Invalid rev id: " + rev),
          new byte[0]);
      return;
    }
    JsonObject o = new JsonObject();
    o.addProperty("id", r.id);
    o.addProperty("sha", r.commit);
    o.addProperty("gated", r.gated ? "manual" : "false");
    JsonArray siblings = new JsonArray();
    for (String f : r.files.keySet()) {
      JsonObject s = new JsonObject();
      s.addProperty("rfilename", f);
      siblings.add(s);
    }
    o.add("siblings", siblings);
    send(ex, 200, Map.of("Content-Type", "application/json"), o.toString().getBytes(StandardCharsets.UTF_8));
  }

  private void resolve(HttpExchange ex, String rest) throws IOException {
    // {org}/{name}/resolve/{rev}/{path...}
    String[] p = rest.split("/", 5);
    if (p.length != 5 || !p[2].equals("resolve")) {
      send(ex, 404, Map.of(), new byte[0]);
      return;
    }
    Repo r = repos.get(p[0] + "/" + p[1]);
    if (r == null) {
      send(ex, 401, Map.of("X-Error-Code", "RepoNotFound", "X-Error-Message", "Repository not found"), new byte[0]);
      return;
    }
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (r.gated) {
      String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
      if (token == null) {
        send(ex, 401, Map.of("X-Error-Code", "GatedRepo", "X-Error-Message", "Access to model " + r.id
            + " is restricted. You must have access to it and be authenticated to access it. Please log in."),
            new byte[0]);
        return;
      }
      if (!r.acceptedTokens.contains(token)) {
        send(ex, 403, Map.of("X-Error-Code", "GatedRepo", "X-Error-Message", "Access to model " + r.id
            + " is restricted and you are not in the authorized list. Visit https://huggingface.co/" + r.id
            + " to ask for access."), new byte[0]);
        return;
      }
    }
    String rev = URLDecoder.decode(p[3], StandardCharsets.UTF_8);
    if (!rev.equals("main") && !rev.equals(r.commit)) {
      send(ex, 404, Map.of("X-Error-Code", "RevisionNotFound"), new byte[0]);
      return;
    }
    String file = URLDecoder.decode(p[4], StandardCharsets.UTF_8);
    byte[] body = r.files.get(file);
    if (body == null) {
      send(ex, 404, Map.of("X-Error-Code", "EntryNotFound", "X-Repo-Commit", r.commit), new byte[0]);
      return;
    }
    if (isLfs(file)) {
      String sha = sha256(body);
      ex.getResponseHeaders().set("Location", cdnEndpoint() + "/repos/" + sha.substring(0, 2) + "/" + sha
          + "?X-Amz-Signature=0123abcd&Expires=9999999999");
      ex.getResponseHeaders().set("X-Linked-Etag", "\"" + sha + "\"");
      ex.getResponseHeaders().set("X-Linked-Size", Long.toString(body.length));
      ex.getResponseHeaders().set("ETag", "\"" + gitBlobSha1(("version https://git-lfs.github.com/spec/v1\noid "
          + "sha256:" + sha + "\nsize " + body.length + "\n").getBytes(StandardCharsets.UTF_8)) + "\"");
      ex.getResponseHeaders().set("X-Repo-Commit", r.commit);
      ex.getResponseHeaders().set("Content-Length", "0");
      ex.sendResponseHeaders(302, -1);
      return;
    }
    ex.getResponseHeaders().set("ETag", "\"" + gitBlobSha1(body) + "\"");
    ex.getResponseHeaders().set("X-Repo-Commit", r.commit);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", Long.toString(body.length));
      ex.sendResponseHeaders(200, -1);
      return;
    }
    send(ex, 200, Map.of(), body);
  }

  // ---- the CDN --------------------------------------------------------------------------------------------------
  // A raw HTTP/1.1 server (one request per connection), so that a cut is a real closed connection.

  private void acceptCdn() {
    while (!cdn.isClosed()) {
      try {
        Socket socket = cdn.accept();
        socket.setTcpNoDelay(true);
        pool.execute(() -> serveCdn(socket));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serveCdn(Socket socket) {
    long start = System.nanoTime();
    try (socket) {
      java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          StandardCharsets.ISO_8859_1));
      String requestLine = in.readLine();
      if (requestLine == null) {
        return;
      }
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
      }
      String[] parts = requestLine.split(" ");
      URI uri = URI.create(parts[1]);
      String path = uri.getRawPath();
      OutputStream out = socket.getOutputStream();
      boolean stalled = false;
      try {
        stalled = serveBlob(parts[0], path, uri.getRawQuery(), headers, out);
      } finally {
        log.add(new Request("cdn", parts[0], path, headers.get("Range"), headers.containsKey("Authorization"), start,
            System.nanoTime()));
      }
      if (stalled) {
        sleep(60_000); // hold the connection without sending; the client's stall timeout must drop it
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /** Serves one request; true when the response must now stall. */
  private boolean serveBlob(String method, String path, String query, Map<String, String> headers, OutputStream out)
      throws IOException {
    for (Map.Entry<String, AtomicInteger> f : failures.entrySet()) {
      if (path.startsWith(f.getKey()) && f.getValue().getAndDecrement() > 0) {
        head(out, failureStatus.get(f.getKey()), 0, Map.of());
        return false;
      }
    }
    String sha = path.substring(path.lastIndexOf('/') + 1);
    byte[] body = blobsBySha256.get(sha);
    if (body == null || query == null || !method.equals("GET") && !method.equals("HEAD")) {
      head(out, 403, 0, Map.of()); // unsigned, unknown or not a GET/HEAD
      return false;
    }
    if (method.equals("HEAD")) { // newer huggingface_hub versions HEAD the CDN location too
      head(out, 200, body.length, Map.of());
      return false;
    }
    if (corrupt.contains(sha)) {
      body = body.clone();
      body[body.length / 2] ^= 0x5a;
    }
    long from = 0;
    String range = headers.get("Range");
    Map<String, String> extra = new TreeMap<>();
    if (range != null && range.matches("bytes=\\d+-")) {
      from = Long.parseLong(range.substring(6, range.length() - 1));
      if (from >= body.length) {
        head(out, 416, 0, Map.of("Content-Range", "bytes */" + body.length));
        return false;
      }
      extra.put("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
    }
    Long cut = cuts.remove(sha);
    Long stall = stalls.remove(sha);
    head(out, range != null ? 206 : 200, body.length - from, extra);
    long end = cut != null ? Math.max(from, Math.min(body.length, cut))
        : stall != null ? Math.max(from, Math.min(body.length, stall)) : body.length;
    long chunk = slowChunkBytes > 0 ? slowChunkBytes : 1 << 16;
    for (long pos = from; pos < end; pos += chunk) {
      out.write(body, (int) pos, (int) Math.min(chunk, end - pos));
      out.flush();
      if (slowChunkMillis > 0) {
        sleep(slowChunkMillis);
      }
    }
    return stall != null; // else returning closes the socket: with the body incomplete, that is a cut
  }

  private static void head(OutputStream out, int status, long length, Map<String, String> headers)
      throws IOException {
    StringBuilder b = new StringBuilder("HTTP/1.1 " + status + " " + (status < 300 ? "OK" : "Error") + "\r\n");
    b.append("Content-Length: ").append(length).append("\r\nConnection: close\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    out.write(b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(HttpExchange ex, int status, Map<String, String> headers, byte[] body) throws IOException {
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    if (ex.getRequestMethod().equals("HEAD") || body.length == 0) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    hub.stop(0);
    try {
      cdn.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    pool.shutdownNow();
  }
}
