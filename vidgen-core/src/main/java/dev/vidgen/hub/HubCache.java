package dev.vidgen.hub;

import dev.vidgen.api.DownloadException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Hugging Face hub cache, laid out as {@code huggingface_hub} lays it out (v0.24 {@code file_download.py}), so
 * either side finds what the other downloaded:
 * <pre>
 * &lt;cache&gt;/models--org--name/
 *     blobs/&lt;etag&gt;                     file contents, named by the Hub's ETag (sha256 for LFS files, git sha1 otherwise)
 *     blobs/&lt;etag&gt;.incomplete          a download in progress (resumed from its length)
 *     refs/&lt;revision&gt;                  the commit a branch or tag named when last asked
 *     snapshots/&lt;commit&gt;/&lt;path&gt;       relative symlinks to ../../blobs/&lt;etag&gt; (one more ../ per folder level)
 * &lt;cache&gt;/.locks/models--org--name/&lt;etag&gt;.lock   one lock file per blob
 * </pre>
 * The lock files sit where {@code huggingface_hub} puts its own, so the cache holds no file foreign to it.
 */
public final class HubCache {
  /** ETags become file names: only these characters (the Hub's are 40 or 64 hex digits). */
  private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}");
  /** Serialises threads of this JVM on one blob: file locks are per process. */
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path root;

  public HubCache(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public Path repoDir(RepoRef ref) {
    return root.resolve(ref.folderName());
  }

  public Path blob(RepoRef ref, String etag) {
    return repoDir(ref).resolve("blobs").resolve(checkEtag(etag));
  }

  public Path snapshot(RepoRef ref, String commit) {
    if (!RepoRef.isCommit(commit)) {
      throw new DownloadException(ref.repo() + ": '" + commit + "' is not a commit hash (40 hex digits)");
    }
    return repoDir(ref).resolve("snapshots").resolve(commit);
  }

  /**
   * The snapshot path of a repository file. The path comes from the Hub's file list, so it is checked to stay inside
   * the snapshot ({@code huggingface_hub}'s {@code _get_pointer_path} check).
   */
  public Path pointer(RepoRef ref, String commit, String file) {
    Path snap = snapshot(ref, commit);
    Path p = snap.resolve(file).normalize();
    if (file.isEmpty() || file.startsWith("/") || file.contains("\\") || !p.startsWith(snap) || p.equals(snap)
        || List.of(file.split("/")).contains("..")) {
      throw new DownloadException(ref.repo() + ": the Hub lists a file named '" + file + "', which would leave the "
          + "snapshot folder; refused");
    }
    return p;
  }

  static String checkEtag(String etag) {
    if (etag == null || !ETAG.matcher(etag).matches()) {
      throw new DownloadException("the Hub sent the ETag '" + etag + "', which cannot name a cache file");
    }
    return etag;
  }

  /** The commit {@code refs/<revision>} holds, or null. A commit hash revision is its own commit. */
  public String commitOf(RepoRef ref) {
    if (ref.isCommit()) {
      return ref.revision();
    }
    Path file = repoDir(ref).resolve("refs").resolve(ref.revision());
    try {
      String c = Files.isRegularFile(file) ? Files.readString(file).strip() : null;
      return RepoRef.isCommit(c) ? c : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Writes {@code refs/<revision>} (unless the revision is the commit itself), only when it changes. */
  public void writeRef(RepoRef ref, String commit) {
    if (ref.revision().equals(commit)) {
      return;
    }
    Path file = repoDir(ref).resolve("refs").resolve(ref.revision());
    try {
      if (Files.isRegularFile(file) && Files.readString(file).equals(commit)) {
        return;
      }
      Files.createDirectories(file.getParent());
      // beside refs/, not in it: Python's cache scan would read a leftover temp file there as a ref
      Path tmp = Files.createTempFile(repoDir(ref), "tmp_ref_", "");
      Files.writeString(tmp, commit); // huggingface_hub writes the hash without a newline
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new DownloadException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The snapshot folder of {@code ref} if it holds a {@code model_index.json}: through {@code refs/<revision>} (or
   * the commit itself); for {@code main} without refs (a cache filled by a download of one commit), the only
   * snapshot there is. Null when absent.
   */
  public Path cachedSnapshot(RepoRef ref) {
    String commit = commitOf(ref);
    if (commit != null) {
      Path snap = repoDir(ref).resolve("snapshots").resolve(commit);
      return Files.isRegularFile(snap.resolve("model_index.json")) ? snap : null;
    }
    Path snaps = repoDir(ref).resolve("snapshots");
    if (ref.revision().equals(RepoRef.DEFAULT_REVISION) && Files.isDirectory(snaps)) {
      try (Stream<Path> s = Files.list(snaps)) {
        List<Path> all = s.filter(p -> Files.isRegularFile(p.resolve("model_index.json"))).toList();
        return all.size() == 1 ? all.get(0) : null;
      } catch (IOException e) {
        return null;
      }
    }
    return null;
  }

  /**
   * Makes {@code pointer} a relative symbolic link to {@code blob} (replacing what was there), as {@code
   * huggingface_hub}'s {@code _create_symlink} does; where the file system has no symbolic links, copies the blob.
   */
  public static void link(Path blob, Path pointer) {
    try {
      Files.createDirectories(pointer.getParent());
      Files.deleteIfExists(pointer);
      Path relative = pointer.getParent().toAbsolutePath().relativize(blob.toAbsolutePath());
      try {
        Files.createSymbolicLink(pointer, relative);
      } catch (UnsupportedOperationException | FileSystemException e) {
        if (Files.exists(pointer, LinkOption.NOFOLLOW_LINKS)) {
          throw e;
        }
        Files.copy(blob, pointer, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new DownloadException("cannot link " + pointer + " to " + blob + ": " + e.getMessage(), e);
    }
  }

  /** Work done while holding a blob's lock. */
  @FunctionalInterface
  public interface Locked<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code work} holding the lock of one blob: a file lock on {@code .locks/models--org--name/<etag>.lock}
   * (other processes) plus a lock per lock file within this JVM (file locks are held per process, so two threads
   * would otherwise both get it). Blocks while another holder downloads.
   */
  public <T> T withBlobLock(RepoRef ref, String etag, Locked<T> work) {
    Path lockFile = root.resolve(".locks").resolve(ref.folderName()).resolve(checkEtag(etag) + ".lock");
    ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new ReentrantLock());
    jvm.lock();
    try {
      Files.createDirectories(lockFile.getParent());
      try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = ch.lock()) {
        return work.run();
      }
    } catch (IOException e) {
      throw new DownloadException(ref.repo() + ": cannot lock or write the cache (" + lockFile + "): "
          + e.getMessage(), e);
    } finally {
      jvm.unlock();
    }
  }
}
