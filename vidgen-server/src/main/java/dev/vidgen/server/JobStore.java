package dev.vidgen.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The service's files under {@code --data}: one JSON record per job ({@code jobs/ID.json}), the videos
 * ({@code videos/ID.mp4|gif}), uploaded images waiting for their job ({@code uploads/ID.image}) and temporary
 * files ({@code tmp/}). Every name is made here from a generated id; nothing a client sends becomes a path.
 *
 * <p>Every file is written to {@code tmp/} and moved into place atomically, so a crash leaves either the old file or
 * the new one, never half of one; what a crash leaves in {@code tmp/} is deleted at the next start. A lock on
 * {@code .lock} keeps two servers off one folder (the OS releases it when the process dies, even by SIGKILL).
 */
final class JobStore implements AutoCloseable {
  static final Pattern ID = Pattern.compile("[0-9a-f]{24}");

  private final Path root;
  private final Path jobs;
  private final Path videos;
  private final Path uploads;
  private final Path tmp;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final SecureRandom random = new SecureRandom();

  private JobStore(Path root, FileChannel lockChannel, FileLock lock) {
    this.root = root;
    this.jobs = root.resolve("jobs");
    this.videos = root.resolve("videos");
    this.uploads = root.resolve("uploads");
    this.tmp = root.resolve("tmp");
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Opens (creating it if needed) and locks a data folder, and empties its {@code tmp/}. */
  static JobStore open(Path root) {
    try {
      Files.createDirectories(root);
      FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        ch.close();
        throw new IllegalStateException("another vidgen server is using the data folder " + root + " (it holds "
            + root.resolve(".lock") + ")");
      }
      JobStore s = new JobStore(root, ch, lock);
      for (Path d : List.of(s.jobs, s.videos, s.uploads, s.tmp)) {
        Files.createDirectories(d);
      }
      s.deleteAll(s.tmp);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the data folder " + root + ": " + e.getMessage(), e);
    }
  }

  Path root() {
    return root;
  }

  /** A fresh job id: 96 random bits as 24 hex digits. */
  String newId() {
    byte[] b = new byte[12];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  Path video(Job job) {
    return videos.resolve(job.id + "." + job.spec.format().extension);
  }

  Path upload(String id) {
    return uploads.resolve(id + ".image");
  }

  /** A new empty file in {@code tmp/}; the caller moves it into place or deletes it. */
  Path tempFile(String suffix) throws IOException {
    return Files.createTempFile(tmp, "w", suffix);
  }

  /**
   * Writes the job's record atomically and durably. Under the job's lock, so two threads saving one job (a worker and
   * a stop, say) cannot land an older snapshot after a newer one.
   */
  void save(Job job) {
    synchronized (job) {
      byte[] json = job.toJson(null).toString().getBytes(StandardCharsets.UTF_8);
      try {
        writeAtomically(jobs.resolve(job.id + ".json"), json);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the record of job " + job.id + ": " + e.getMessage(), e);
      }
    }
  }

  /** Writes bytes to {@code target} through a synced temporary file and an atomic move. */
  void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path t = tempFile(".part");
    try {
      try (FileChannel ch = FileChannel.open(t, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      moveIntoPlace(t, target);
    } finally {
      Files.deleteIfExists(t);
    }
  }

  /** Moves a finished temporary file to its place, atomically. */
  void moveIntoPlace(Path from, Path target) throws IOException {
    try {
      Files.move(from, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the data folder's file system cannot move files atomically: " + e.getMessage(), e);
    }
  }

  /**
   * Reads every job record back, oldest first. Jobs a crash cut off (records still queued or running) come back
   * failed with the reason, and are saved so; a succeeded job whose video is gone comes back failed too. Left-over
   * uploads and videos that no succeeded job owns are deleted.
   */
  List<Job> load(PrintStream log) {
    List<Job> out = new ArrayList<>();
    Instant now = Instant.now();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(jobs, "*.json")) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (!ID.matcher(name.substring(0, name.length() - ".json".length())).matches()) {
          continue;
        }
        Job j;
        try {
          JsonObject o = JsonParser.parseString(Files.readString(p)).getAsJsonObject();
          j = Job.fromJson(o);
        } catch (RuntimeException | IOException e) {
          log.println("vidgen serve: skipping unreadable job record " + p + ": " + e);
          continue;
        }
        boolean changed = j.failIfInterrupted(now);
        if (j.state() == Job.State.SUCCEEDED && !Files.isRegularFile(video(j))) {
          j.markBroken("the video file of this job is missing from the data folder");
          changed = true;
        }
        if (changed) {
          save(j);
        }
        out.add(j);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read job records in " + jobs + ": " + e.getMessage(), e);
    }
    out.sort((a, b) -> Long.compare(a.seq, b.seq));
    // Uploads belong to unfinished jobs only, and none is unfinished after a restart.
    deleteAll(uploads);
    List<String> keep = new ArrayList<>();
    for (Job j : out) {
      if (j.state() == Job.State.SUCCEEDED) {
        keep.add(video(j).getFileName().toString());
      }
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(videos)) {
      for (Path p : ds) {
        if (!keep.contains(p.getFileName().toString())) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Deletes a job's record, video and upload. */
  void delete(Job job) {
    try {
      Files.deleteIfExists(video(job));
      Files.deleteIfExists(upload(job.id));
      Files.deleteIfExists(jobs.resolve(job.id + ".json"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the files of job " + job.id + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the upload of a job, if any (done as soon as the job no longer needs it). */
  void deleteUpload(String id) {
    try {
      Files.deleteIfExists(upload(id));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void deleteAll(Path dir) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
