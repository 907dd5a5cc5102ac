package dev.vidgen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/** A small HTTP client for the tests: JSON, multipart, raw requests over a socket, and waiting for job states. */
final class TestClient {
  /** A response with its body; {@link #json()} parses it. */
  record Response(int status, java.net.http.HttpHeaders headers, byte[] body) {
    JsonObject json() {
      return JsonParser.parseString(text()).getAsJsonObject();
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String error() {
      return json().get("error").getAsString();
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  final URI base;
  private final String apiKey;

  TestClient(URI base) {
    this(base, null);
  }

  TestClient(URI base, String apiKey) {
    this.base = base;
    this.apiKey = apiKey;
  }

  int port() {
    return base.getPort();
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  Response send(HttpRequest r) {
    try {
      HttpResponse<byte[]> resp = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
      return new Response(resp.statusCode(), resp.headers(), resp.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Response get(String path) {
    return send(request(path).GET().build());
  }

  Response delete(String path) {
    return send(request(path).DELETE().build());
  }

  Response postJson(String body) {
    return send(request("/v1/jobs").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** Submits and checks the 202; returns the job id. */
  String submit(String json) {
    Response r = postJson(json);
    assertEquals(202, r.status(), () -> "submit " + json + ": " + r.text());
    return r.json().get("id").getAsString();
  }

  /** A multipart/form-data request with text fields and optionally one file part. */
  Response postMultipart(Map<String, String> fields, String fileField, String fileName, byte[] file) {
    String boundary = "----vidgen" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      for (Map.Entry<String, String> e : fields.entrySet()) {
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n"
            + e.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
      }
      if (fileField != null) {
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\""
            + fileName + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(file);
        body.write("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return send(request("/v1/jobs").header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build());
  }

  JsonObject job(String id) {
    Response r = get("/v1/jobs/" + id);
    assertEquals(200, r.status(), r::text);
    return r.json();
  }

  static String state(JsonObject job) {
    return job.get("state").getAsString();
  }

  static int step(JsonObject job) {
    return job.getAsJsonObject("progress").get("step").getAsInt();
  }

  /** Polls the job every 50 ms until {@code until} holds; fails after {@code timeout}. */
  JsonObject await(String id, Predicate<JsonObject> until, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonObject j = job(id);
    while (!until.test(j)) {
      if (System.nanoTime() > deadline) {
        fail("job " + id + " did not become " + what + " within " + timeout + ": " + j);
      }
      sleep(50);
      j = job(id);
    }
    return j;
  }

  JsonObject awaitState(String id, String state, Duration timeout) {
    JsonObject j = await(id, x -> state(x).equals(state) || isTerminal(state(x)), timeout, state);
    assertEquals(state, state(j), () -> "job " + id + ": " + j);
    return j;
  }

  JsonObject awaitTerminal(String id, Duration timeout) {
    return await(id, x -> isTerminal(state(x)), timeout, "finished");
  }

  static boolean isTerminal(String s) {
    return s.equals("succeeded") || s.equals("failed") || s.equals("cancelled");
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sends {@code requestLine} and headers as they are, over a plain socket (an HTTP client would normalise or
   * refuse a path like {@code /../../etc/passwd}); returns the status code and the body.
   */
  RawResponse raw(String method, String rawTarget) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      String auth = apiKey == null ? "" : "Authorization: Bearer " + apiKey + "\r\n";
      out.write((method + " " + rawTarget + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      int sp = all.indexOf(' ');
      int status = Integer.parseInt(all.substring(sp + 1, sp + 4));
      int bodyAt = all.indexOf("\r\n\r\n");
      return new RawResponse(status, bodyAt < 0 ? "" : all.substring(bodyAt + 4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record RawResponse(int status, String body) {}
}
