package dev.vidgen.server;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code multipart/form-data} body (RFC 7578), parsed from memory: the body was already read within the upload
 * limit. Parts are keyed by their form name; a part's file name is read but never used (no client-supplied name
 * touches the file system).
 */
final class Multipart {
  /** One part: its form name, whether it came as a file, and its bytes. */
  record Part(String name, boolean file, byte[] data) {
    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  static final int MAX_PARTS = 32;
  private static final Pattern BOUNDARY = Pattern.compile(";\\s*boundary=(?:\"([^\"]{1,70})\"|([^;\\s]{1,70}))",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern NAME = Pattern.compile(";\\s*name=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
  private static final Pattern FILENAME = Pattern.compile(";\\s*filename\\*?=", Pattern.CASE_INSENSITIVE);

  private Multipart() {}

  /** The boundary of a {@code multipart/form-data} content type. */
  static String boundary(String contentType) {
    Matcher m = BOUNDARY.matcher(contentType);
    if (!m.find()) {
      throw ApiException.badRequest("multipart/form-data without a boundary parameter in Content-Type");
    }
    return m.group(1) != null ? m.group(1) : m.group(2);
  }

  static Map<String, Part> parse(byte[] body, String boundary) {
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    byte[] crlfDelimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    Map<String, Part> parts = new LinkedHashMap<>();
    int pos = indexOf(body, delimiter, 0);
    if (pos < 0) {
      throw ApiException.badRequest("malformed multipart body: the boundary never occurs");
    }
    pos += delimiter.length;
    while (true) {
      if (startsWith(body, pos, "--")) {
        return parts; // the closing delimiter
      }
      if (!startsWith(body, pos, "\r\n")) {
        throw ApiException.badRequest("malformed multipart body: a boundary is not followed by a line break");
      }
      pos += 2;
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
      if (headersEnd < 0) {
        throw ApiException.badRequest("malformed multipart body: a part's headers do not end");
      }
      String headers = new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
      int start = headersEnd + 4;
      int end = indexOf(body, crlfDelimiter, start);
      if (end < 0) {
        throw ApiException.badRequest("malformed multipart body: truncated (a part has no closing boundary)");
      }
      String disposition = null;
      for (String line : headers.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Disposition")) {
          disposition = line.substring(colon + 1).trim();
        }
      }
      if (disposition == null || !disposition.toLowerCase(java.util.Locale.ROOT).startsWith("form-data")) {
        throw ApiException.badRequest("malformed multipart body: a part has no 'Content-Disposition: form-data'");
      }
      Matcher nm = NAME.matcher(disposition);
      if (!nm.find()) {
        throw ApiException.badRequest("malformed multipart body: a part has no name");
      }
      String name = nm.group(1);
      if (parts.containsKey(name)) {
        throw ApiException.badRequest("field '" + name + "' is given twice");
      }
      if (parts.size() >= MAX_PARTS) {
        throw ApiException.badRequest("too many parts in the multipart body (at most " + MAX_PARTS + ")");
      }
      byte[] data = java.util.Arrays.copyOfRange(body, start, end);
      parts.put(name, new Part(name, FILENAME.matcher(disposition).find(), data));
      pos = end + crlfDelimiter.length;
    }
  }

  private static boolean startsWith(byte[] body, int pos, String s) {
    if (pos + s.length() > body.length) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (body[pos + i] != (byte) s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
