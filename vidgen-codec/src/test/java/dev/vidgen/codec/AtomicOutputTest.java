package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.VidgenException;
import dev.vidgen.api.Video;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files appear whole or not at all, replace others only when asked, and failures leave nothing behind. */
class AtomicOutputTest {
  @TempDir Path dir;

  private List<Path> entries() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  @Test
  void existingFileIsKeptUnlessOverwriteIsSet() throws Exception {
    Path target = dir.resolve("clip.gif");
    Files.writeString(target, "precious");
    Video video = GifWriterTest.fewColours(2);
    VidgenException e = assertThrows(VidgenException.class, () -> video.save(target));
    assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("withOverwrite(true)"), e.getMessage());
    assertEquals("precious", Files.readString(target));

    video.save(target, SaveOptions.DEFAULT.withOverwrite(true));
    assertEquals("GIF89a", new String(Files.readAllBytes(target), 0, 6, "US-ASCII"));
    assertEquals(List.of(target), entries(), "no temporary file left");
  }

  @Test
  void failureMidWriteLeavesNothing() throws Exception {
    Path target = dir.resolve("clip.mp4");
    VidgenException e = assertThrows(VidgenException.class, () -> AtomicOutput.writeFile(target, false, "MP4",
        temp -> {
          Files.writeString(temp, "half a file");
          throw new IOException("disk full");
        }));
    assertTrue(e.getMessage().contains("disk full") && e.getMessage().contains(target.toString()), e.getMessage());
    assertEquals(List.of(), entries());

    assertThrows(IllegalStateException.class, () -> AtomicOutput.writeFile(target, false, "MP4", temp -> {
      Files.writeString(temp, "half a file");
      throw new IllegalStateException("encoder bug");
    }));
    assertEquals(List.of(), entries());

    assertThrows(VidgenException.class, () -> AtomicOutput.writeFolder(dir.resolve("frames"), false, "PNG frames",
        p -> true, temp -> {
          Files.writeString(temp.resolve("frame_0000.png"), "x");
          throw new IOException("disk full");
        }));
    assertEquals(List.of(), entries());
  }

  @Test
  void existingTargetWithoutOverwriteIsRefusedEvenIfItAppearsDuringTheWrite() throws Exception {
    Path target = dir.resolve("clip.mp4");
    VidgenException e = assertThrows(VidgenException.class, () -> AtomicOutput.writeFile(target, false, "MP4",
        temp -> {
          Files.writeString(temp, "new");
          Files.writeString(target, "someone else's"); // appears while we encode
        }));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    assertEquals("someone else's", Files.readString(target));
    assertEquals(List.of(target), entries());
  }

  @Test
  void missingFolderIsNamed() {
    Path target = dir.resolve("no/such/folder/clip.mp4");
    VidgenException e = assertThrows(VidgenException.class,
        () -> GifWriterTest.fewColours(1).save(target));
    assertTrue(e.getMessage().contains(dir.resolve("no/such/folder").toString()), e.getMessage());
    assertFalse(Files.exists(dir.resolve("no")));
  }

  @Test
  void fileIsWrittenWithDefaultPermissions() throws Exception {
    Path target = dir.resolve("clip.gif");
    GifWriterTest.fewColours(1).save(target);
    Path reference = Files.createFile(dir.resolve("reference"));
    assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(target));
  }
}
