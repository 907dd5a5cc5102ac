package dev.vidgen.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The body of {@code POST /v1/jobs}, read within the upload limit and turned into a validated {@link JobSpec} and the
 * uploaded image: a JSON object, a {@code multipart/form-data} form with an optional {@code image} part, or a
 * {@code application/x-www-form-urlencoded} form (where a JSON object is read as JSON, since {@code curl -d} labels
 * JSON so).
 */
final class JobRequests {
  /** A body this much over the limit is still read (and dropped) so the client can read the 413. */
  private static final long DRAIN_LIMIT = 4L << 20;

  private JobRequests() {}

  /** What a POST carried: the validated request and the image bytes, if any. */
  record Submission(JobSpec spec, byte[] image) {}

  /**
   * Reads and validates the body of {@code POST /v1/jobs}.
   *
   * @param modelName maps a requested model to its canonical name; throws a 404 {@link ApiException} when unknown
   * @throws ApiException 400 (malformed body, invalid field), 413 (too large), 415 (wrong type, not an image)
   */
  static Submission read(HttpExchange ex, long maxBytes, String defaultModel, UnaryOperator<String> modelName)
      throws IOException {
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    String mime = type == null ? "application/json" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
    JobSpec spec;
    byte[] image = null;
    byte[] form = null;
    if (mime.equals("application/x-www-form-urlencoded")) {
      form = readBody(ex, maxBytes);
      // curl -d sends this type by default; a body that is a JSON object is taken as JSON
      if (firstNonSpace(form) == '{') {
        mime = "application/json";
      }
    }
    if (mime.equals("application/json")) {
      byte[] body = form != null ? form : readBody(ex, maxBytes);
      Map<String, JsonElement> fields = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> e : parseJsonObject(body).entrySet()) {
        fields.put(e.getKey(), e.getValue());
      }
      if (fields.containsKey("image")) {
        throw ApiException.badRequest("field 'image' is a file: send the job as multipart/form-data with an "
            + "'image' part");
      }
      spec = JobSpec.parse(fields, false, false, defaultModel, modelName);
    } else if (form != null) {
      Map<String, JsonElement> fields = new LinkedHashMap<>();
      for (String kv : new String(form, StandardCharsets.US_ASCII).split("&")) {
        if (kv.isEmpty()) {
          continue;
        }
        int eq = kv.indexOf('=');
        String k = decodeForm(eq < 0 ? kv : kv.substring(0, eq));
        if (fields.put(k, new JsonPrimitive(decodeForm(eq < 0 ? "" : kv.substring(eq + 1)))) != null) {
          throw ApiException.badRequest("field '" + k + "' is given twice");
        }
      }
      if (fields.containsKey("image")) {
        throw ApiException.badRequest("field 'image' is a file: send the job as multipart/form-data");
      }
      spec = JobSpec.parse(fields, true, false, defaultModel, modelName);
    } else if (mime.equals("multipart/form-data")) {
      String boundary = Multipart.boundary(type);
      byte[] body = readBody(ex, maxBytes);
      Map<String, Multipart.Part> parts = Multipart.parse(body, boundary);
      Map<String, JsonElement> fields = new LinkedHashMap<>();
      for (Multipart.Part p : parts.values()) {
        if (p.name().equals("image")) {
          if (p.data().length > 0 || p.file()) {
            image = p.data();
          }
        } else {
          if (p.file()) {
            throw ApiException.badRequest("field '" + p.name() + "' must be a form value, not a file");
          }
          fields.put(p.name(), new JsonPrimitive(p.text()));
        }
      }
      if (image != null) {
        ImageCheck.decode(image); // 415 / 413 now, not when the job runs
      }
      spec = JobSpec.parse(fields, true, image != null, defaultModel, modelName);
    } else {
      throw new ApiException(415, "Content-Type must be application/json, multipart/form-data or "
          + "application/x-www-form-urlencoded, got '" + mime + "'");
    }
    return new Submission(spec, image);
  }

  private static int firstNonSpace(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return b;
      }
    }
    return -1;
  }

  private static String decodeForm(String s) {
    try {
      return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("malformed form body: " + e.getMessage());
    }
  }

  /** Strict JSON (no comments, single quotes or trailing text); 400 naming where it broke. */
  static JsonObject parseJsonObject(byte[] body) {
    if (body.length == 0) {
      throw ApiException.badRequest("malformed JSON: the body is empty; send a JSON object such as "
          + "{\"prompt\": \"a red circle moving right\"}");
    }
    try (JsonReader r = new JsonReader(new StringReader(new String(body, StandardCharsets.UTF_8)))) {
      r.setStrictness(Strictness.STRICT);
      JsonElement e = JsonParser.parseReader(r);
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw ApiException.badRequest("malformed JSON: text after the end of the JSON value");
      }
      if (!e.isJsonObject()) {
        throw ApiException.badRequest("the body must be a JSON object, got " + (e.isJsonArray() ? "an array"
            : "a single value"));
      }
      return e.getAsJsonObject();
    } catch (JsonParseException | IOException | IllegalStateException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      m = m.replaceAll("\\s*See https://\\S+", "");
      throw ApiException.badRequest("malformed JSON: " + m);
    }
  }

  /** The request body, at most {@code --max-upload} bytes; 413 above. */
  static byte[] readBody(HttpExchange ex, long max) throws IOException {
    String cl = ex.getRequestHeaders().getFirst("Content-Length");
    InputStream in = ex.getRequestBody();
    if (cl != null) {
      long declared;
      try {
        declared = Long.parseLong(cl.trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("invalid Content-Length '" + cl + "'");
      }
      if (declared > max) {
        if (declared <= max + DRAIN_LIMIT) {
          in.transferTo(OutputStream.nullOutputStream()); // let the client finish sending, so it reads our answer
        } else {
          ex.getResponseHeaders().set("Connection", "close");
        }
        throw tooLarge(declared + " bytes", max);
      }
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = in.read(chunk)) > 0; ) {
      total += n;
      if (total > max) {
        ex.getResponseHeaders().set("Connection", "close");
        throw tooLarge("more than " + max + " bytes", max);
      }
      buf.write(chunk, 0, n);
    }
    return buf.toByteArray();
  }

  private static ApiException tooLarge(String size, long max) {
    return new ApiException(413, "the request body is " + size + "; this server accepts at most " + max
        + " bytes (--max-upload)");
  }
}
