package dev.vidgen.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Rewrites an MP4 whose {@code moov} box follows its {@code mdat} (as JCodec's muxer writes it) into the
 * "fast start" layout {@code ftyp, moov, mdat}, so that a browser can start playing while the file is still
 * downloading: it needs the sample tables in {@code moov} before any media data.
 *
 * <p>Moving {@code moov} in front shifts the media data, so every chunk offset in each track's {@code stco} (32-bit)
 * or {@code co64} (64-bit) table is moved by the same amount. Other top-level boxes ({@code free}, {@code wide},
 * {@code skip}) are dropped; the {@code mdat} gets a 32-bit size header when it fits.
 */
final class Mp4Faststart {
  /** Boxes on the path from {@code moov} to the chunk offset tables (ISO/IEC 14496-12, 8.1.1). */
  private static final Set<String> CONTAINERS = Set.of("moov", "trak", "mdia", "minf", "stbl");
  private static final Set<String> DROPPED = Set.of("free", "wide", "skip");

  private Mp4Faststart() {}

  /** One top-level box: where it starts in the file, its header length and its total size. */
  private record Box(String type, long start, int headerSize, long size) {
    long payloadStart() {
      return start + headerSize;
    }
  }

  /** Writes the fast-start layout of {@code source} to {@code out} (not closed). */
  static void rewrite(Path source, OutputStream out) throws IOException {
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
      List<Box> boxes = topLevelBoxes(in, source);
      Box moov = find(boxes, "moov", source);
      Box mdat = find(boxes, "mdat", source);
      if (boxes.stream().filter(b -> b.type().equals("mdat")).count() != 1) {
        throw new IOException(source + ": expected exactly one mdat box, found boxes " + types(boxes));
      }
      ByteBuffer moovBytes = readFully(in, moov.start(), Math.toIntExact(moov.size()));

      // New layout: [other leading boxes (ftyp)] [moov] [mdat header] [mdat payload]
      long prefix = 0;
      for (Box b : boxes) {
        if (!b.type().equals("moov") && !b.type().equals("mdat") && !DROPPED.contains(b.type())) {
          prefix += b.size();
        }
      }
      long mdatPayload = mdat.size() - mdat.headerSize();
      int newMdatHeader = mdatPayload + 8 <= 0xFFFF_FFFFL ? 8 : 16;
      long newPayloadStart = prefix + moov.size() + newMdatHeader;
      long shift = newPayloadStart - mdat.payloadStart();
      shiftChunkOffsets(moovBytes, 0, moovBytes.limit(), shift, mdat, source);

      WritableByteChannel ch = Channels.newChannel(out);
      for (Box b : boxes) {
        if (!b.type().equals("moov") && !b.type().equals("mdat") && !DROPPED.contains(b.type())) {
          copy(in, b.start(), b.size(), ch);
        }
      }
      moovBytes.rewind();
      writeFully(ch, moovBytes);
      ByteBuffer header = ByteBuffer.allocate(newMdatHeader);
      if (newMdatHeader == 8) {
        header.putInt((int) (mdatPayload + 8)).put(ascii("mdat"));
      } else {
        header.putInt(1).put(ascii("mdat")).putLong(mdatPayload + 16);
      }
      header.flip();
      writeFully(ch, header);
      copy(in, mdat.payloadStart(), mdatPayload, ch);
    }
  }

  private static List<Box> topLevelBoxes(FileChannel in, Path source) throws IOException {
    List<Box> boxes = new ArrayList<>();
    long pos = 0;
    long fileSize = in.size();
    while (pos < fileSize) {
      if (fileSize - pos < 8) {
        throw new IOException(source + ": " + (fileSize - pos) + " stray bytes at offset " + pos);
      }
      ByteBuffer h = readFully(in, pos, (int) Math.min(16, fileSize - pos));
      long size = h.getInt() & 0xFFFF_FFFFL;
      String type = typeAt(h, 4);
      int headerSize = 8;
      if (size == 1) {
        size = h.getLong(8);
        headerSize = 16;
      } else if (size == 0) {
        size = fileSize - pos; // box extends to the end of the file
      }
      if (size < headerSize || pos + size > fileSize) {
        throw new IOException(source + ": box '" + type + "' at offset " + pos + " has impossible size " + size);
      }
      boxes.add(new Box(type, pos, headerSize, size));
      pos += size;
    }
    return boxes;
  }

  /** Adds {@code shift} to every entry of stco/co64 boxes found in the box tree {@code buf[from, to)}. */
  private static void shiftChunkOffsets(ByteBuffer buf, int from, int to, long shift, Box mdat, Path source)
      throws IOException {
    int pos = from;
    while (pos + 8 <= to) {
      long size = buf.getInt(pos) & 0xFFFF_FFFFL;
      String type = typeAt(buf, pos + 4);
      int header = 8;
      if (size == 1) {
        size = buf.getLong(pos + 8);
        header = 16;
      } else if (size == 0) {
        size = to - pos;
      }
      if (size < header || pos + size > to) {
        throw new IOException(source + ": box '" + type + "' inside moov has impossible size " + size);
      }
      int end = (int) (pos + size);
      if (CONTAINERS.contains(type)) {
        shiftChunkOffsets(buf, pos + header, end, shift, mdat, source);
      } else if (type.equals("stco") || type.equals("co64")) {
        boolean wide = type.equals("co64");
        int count = buf.getInt(pos + header + 4); // after version and flags
        int entries = pos + header + 8;
        if (entries + (long) count * (wide ? 8 : 4) > end) {
          throw new IOException(source + ": " + type + " claims " + count + " entries but is " + size + " bytes");
        }
        for (int i = 0; i < count; i++) {
          int at = entries + i * (wide ? 8 : 4);
          long offset = wide ? buf.getLong(at) : buf.getInt(at) & 0xFFFF_FFFFL;
          if (offset < mdat.payloadStart() || offset > mdat.start() + mdat.size()) {
            throw new IOException(source + ": chunk offset " + offset + " lies outside the mdat box");
          }
          long moved = offset + shift;
          if (wide) {
            buf.putLong(at, moved);
          } else if (moved > 0xFFFF_FFFFL) {
            throw new IOException(source + ": chunk offset " + moved + " does not fit stco; needs co64");
          } else {
            buf.putInt(at, (int) moved);
          }
        }
      }
      pos = end;
    }
  }

  private static Box find(List<Box> boxes, String type, Path source) throws IOException {
    for (Box b : boxes) {
      if (b.type().equals(type)) {
        return b;
      }
    }
    throw new IOException(source + ": no '" + type + "' box; top-level boxes are " + types(boxes));
  }

  private static List<String> types(List<Box> boxes) {
    return boxes.stream().map(Box::type).toList();
  }

  private static String typeAt(ByteBuffer buf, int at) {
    byte[] t = new byte[4];
    for (int i = 0; i < 4; i++) {
      t[i] = buf.get(at + i);
    }
    return new String(t, StandardCharsets.ISO_8859_1);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static ByteBuffer readFully(FileChannel in, long pos, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      if (in.read(buf, pos + buf.position()) < 0) {
        throw new IOException("unexpected end of file at offset " + (pos + buf.position()));
      }
    }
    buf.flip();
    return buf;
  }

  private static void copy(FileChannel in, long pos, long length, WritableByteChannel out) throws IOException {
    long done = 0;
    while (done < length) {
      long n = in.transferTo(pos + done, length - done, out);
      if (n <= 0) {
        throw new IOException("unexpected end of file at offset " + (pos + done));
      }
      done += n;
    }
  }

  private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
