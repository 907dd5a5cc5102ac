package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.VidgenException;
import dev.vidgen.api.Video;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PNG frame folders (and their ZIP stream form) read back with ImageIO: exactly the 8-bit frames. */
class PngFramesWriterTest {
  @TempDir Path dir;

  @Test
  void folderHoldsEveryFrameExactly() throws Exception {
    Video video = TestClips.natural(40, 30, 5, 8);
    Path folder = dir.resolve("frames");
    video.save(folder);
    List<String> names;
    try (Stream<Path> s = Files.list(folder)) {
      names = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(List.of("frame_0000.png", "frame_0001.png", "frame_0002.png", "frame_0003.png", "frame_0004.png"),
        names);
    for (int f = 0; f < 5; f++) {
      BufferedImage image = ImageIO.read(folder.resolve(names.get(f)).toFile());
      assertArrayEquals(TestClips.rgb(video, f), image.getRGB(0, 0, 40, 30, null, 0, 40), "frame " + f);
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(folder), s.toList(), "no temporary folder left beside the target");
    }
  }

  @Test
  void streamIsZipOfTheSameFrames() throws Exception {
    Video video = TestClips.natural(24, 16, 3, 8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PngFramesWriter().write(video, out, SaveOptions.DEFAULT);
    List<String> names = new ArrayList<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        names.add(entry.getName());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(zip.readAllBytes()));
        int f = names.size() - 1;
        assertArrayEquals(TestClips.rgb(video, f), image.getRGB(0, 0, 24, 16, null, 0, 24), entry.getName());
      }
    }
    assertEquals(List.of("frame_0000.png", "frame_0001.png", "frame_0002.png"), names);
  }

  @Test
  void frameNamesWidenForLongClips() {
    assertEquals("frame_0007.png", PngFramesWriter.frameName(7, 10));
    assertEquals("frame_9999.png", PngFramesWriter.frameName(9999, 10_000));
    assertEquals("frame_00042.png", PngFramesWriter.frameName(42, 10_001));
  }

  @Test
  void replacesOnlyFramesFoldersAndOnlyWhenAsked() throws Exception {
    Video first = TestClips.natural(16, 16, 3, 8);
    Video second = TestClips.natural(16, 16, 2, 8);
    Path folder = dir.resolve("frames");
    first.save(folder);

    VidgenException exists = assertThrows(VidgenException.class, () -> second.save(folder));
    assertTrue(exists.getMessage().contains(folder.toString()) && exists.getMessage().contains("withOverwrite"),
        exists.getMessage());

    second.save(folder, SaveOptions.DEFAULT.withOverwrite(true));
    try (Stream<Path> s = Files.list(folder)) {
      assertEquals(2, s.count(), "old frames are gone, new ones in place");
    }

    Path mine = dir.resolve("mine");
    Files.createDirectory(mine);
    Files.writeString(mine.resolve("notes.txt"), "keep me");
    VidgenException foreign = assertThrows(VidgenException.class,
        () -> second.save(mine, SaveOptions.DEFAULT.withOverwrite(true)));
    assertTrue(foreign.getMessage().contains("notes.txt"), foreign.getMessage());
    assertTrue(Files.exists(mine.resolve("notes.txt")));
    assertFalse(Files.exists(mine.resolve("frame_0000.png")));
  }
}
