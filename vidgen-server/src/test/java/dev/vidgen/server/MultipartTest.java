package dev.vidgen.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The multipart parser on its own: well-formed bodies, binary parts, and each malformation as a named 400. */
class MultipartTest {
  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void parsesFieldsAndABinaryFilePart() {
    byte[] image = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', '-', '-', 'x', 0, (byte) 0xff};
    String head = "--b0\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nä red circle\r\n"
        + "--b0\r\nContent-Disposition: form-data; name=\"image\"; filename=\"../../evil.png\"\r\n"
        + "Content-Type: image/png\r\n\r\n";
    byte[] body = concat(head.getBytes(StandardCharsets.UTF_8), image, bytes("\r\n--b0--\r\n"));
    Map<String, Multipart.Part> parts = Multipart.parse(body, "b0");
    assertEquals("ä red circle", parts.get("prompt").text());
    assertFalse(parts.get("prompt").file());
    assertTrue(parts.get("image").file());
    assertArrayEquals(image, parts.get("image").data(), "bytes kept exactly, CR LF and dashes included");
  }

  @Test
  void findsQuotedAndPlainBoundaries() {
    assertEquals("abc", Multipart.boundary("multipart/form-data; boundary=abc"));
    assertEquals("a b;c", Multipart.boundary("multipart/form-data; boundary=\"a b;c\""));
    assertThrows(ApiException.class, () -> Multipart.boundary("multipart/form-data"));
  }

  @Test
  void malformedBodiesAre400() {
    for (String body : new String[] {
        "no boundary here",
        "--b0\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nunterminated",
        "--b0\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b0--",
        "--b0\r\nContent-Type: text/plain\r\n\r\nx\r\n--b0--",
        "--b0\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n"
            + "--b0\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\ny\r\n--b0--",
        "--b0garbage"}) {
      ApiException e = assertThrows(ApiException.class, () -> Multipart.parse(bytes(body), "b0"), body);
      assertEquals(400, e.status(), body);
    }
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int i = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, i, p.length);
      i += p.length;
    }
    return out;
  }
}
