package dev.vidgen.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the top-level box types of an MP4, to check the fast-start layout. */
final class Mp4Boxes {
  private Mp4Boxes() {}

  static List<String> topLevel(byte[] file) {
    List<String> types = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.wrap(file);
    int pos = 0;
    while (pos + 8 <= file.length) {
      long size = buf.getInt(pos) & 0xFFFF_FFFFL;
      String type = new String(file, pos + 4, 4, StandardCharsets.ISO_8859_1);
      if (size == 1) {
        size = buf.getLong(pos + 8);
      } else if (size == 0) {
        size = file.length - pos;
      }
      types.add(type);
      if (size < 8) {
        types.add("<bad size " + size + ">");
        break;
      }
      pos += (int) size;
    }
    if (pos != file.length) {
      types.add("<" + (file.length - pos) + " trailing bytes>");
    }
    return types;
  }

  static List<String> topLevel(Path file) throws IOException {
    return topLevel(Files.readAllBytes(file));
  }
}
