package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Moving moov in front of mdat keeps every chunk offset pointing at the same media bytes. */
class Mp4FaststartTest {
  @TempDir Path dir;

  private static byte[] box(String type, byte[]... children) {
    int size = 8;
    for (byte[] c : children) {
      size += c.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putInt(size).put(type.getBytes(StandardCharsets.ISO_8859_1));
    for (byte[] c : children) {
      b.put(c);
    }
    return b.array();
  }

  private static byte[] stco(long... offsets) {
    ByteBuffer b = ByteBuffer.allocate(8 + 4 * offsets.length);
    b.putInt(0).putInt(offsets.length);
    for (long o : offsets) {
      b.putInt((int) o);
    }
    return box("stco", b.array());
  }

  private static byte[] co64(long... offsets) {
    ByteBuffer b = ByteBuffer.allocate(8 + 8 * offsets.length);
    b.putInt(0).putInt(offsets.length);
    for (long o : offsets) {
      b.putLong(o);
    }
    return box("co64", b.array());
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A file like JCodec writes: ftyp, wide, mdat with a 64-bit size, then moov with two tracks. */
  @Test
  void offsetsFollowTheMovedMediaData() throws Exception {
    byte[] ftyp = box("ftyp", "isom\0\0\2\0isom".getBytes(StandardCharsets.ISO_8859_1));
    byte[] wide = box("wide");
    byte[] payload = "AAAABBBBBBCCC".getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer mdat = ByteBuffer.allocate(16 + payload.length);
    mdat.putInt(1).put("mdat".getBytes(StandardCharsets.ISO_8859_1)).putLong(16 + payload.length).put(payload);
    long payloadStart = ftyp.length + wide.length + 16;
    byte[] moov = box("moov",
        box("mvhd", new byte[100]),
        box("trak", box("mdia", box("minf", box("stbl", stco(payloadStart, payloadStart + 4))))),
        box("trak", box("mdia", box("minf", box("stbl", co64(payloadStart + 10))))));
    Path raw = Files.write(dir.resolve("raw.mp4"), concat(ftyp, wide, mdat.array(), moov));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Mp4Faststart.rewrite(raw, out);
    byte[] file = out.toByteArray();
    assertEquals(List.of("ftyp", "moov", "mdat"), Mp4Boxes.topLevel(file));
    ByteBuffer b = ByteBuffer.wrap(file);
    int stcoAt = indexOf(file, "stco") + 16; // size, type, version and flags, entry count
    int co64At = indexOf(file, "co64") + 16;
    assertEquals("AAAA", text(file, b.getInt(stcoAt), 4));
    assertEquals("BBBBBB", text(file, b.getInt(stcoAt + 4), 6));
    assertEquals("CCC", text(file, (int) b.getLong(co64At), 3));
    assertEquals(ftyp.length + moov.length + 8 + payload.length, file.length, "wide dropped, 32-bit mdat header");
  }

  @Test
  void refusesFilesWithoutMovie() throws Exception {
    Path raw = Files.write(dir.resolve("raw.mp4"), concat(box("ftyp", new byte[8]), box("mdat", new byte[4])));
    IOException e = assertThrows(IOException.class, () -> Mp4Faststart.rewrite(raw, new ByteArrayOutputStream()));
    assertEquals(true, e.getMessage().contains("no 'moov' box"), e.getMessage());
  }

  private static int indexOf(byte[] file, String type) {
    byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
    outer:
    for (int i = 0; i + 4 <= file.length; i++) {
      for (int k = 0; k < 4; k++) {
        if (file[i + k] != t[k]) {
          continue outer;
        }
      }
      return i - 4; // start of the box (size field)
    }
    throw new AssertionError(type + " not found");
  }

  private static String text(byte[] file, int at, int length) {
    return new String(file, at, length, StandardCharsets.ISO_8859_1);
  }
}
