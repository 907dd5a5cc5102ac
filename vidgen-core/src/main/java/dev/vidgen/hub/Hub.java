package dev.vidgen.hub;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.vidgen.api.DownloadEvent;
import dev.vidgen.api.DownloadException;
import dev.vidgen.api.ModelNotFoundException;
import dev.vidgen.weights.ComponentWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Gets a diffusers pipeline repository from the Hugging Face Hub into the cache Python uses ({@link HubCache}), the way
 * {@code huggingface_hub.snapshot_download} does but fetching only what the pipeline loads ({@link PipelineFiles}):
 * <ol>
 *   <li>ask which commit the revision names (one request); with {@code HF_HUB_OFFLINE=1}, or when the Hub cannot be
 *       reached, use the cached snapshot of the revision instead;
 *   <li>for each needed file not yet in {@code snapshots/<commit>/}: HEAD for its ETag and location, reuse the blob if
 *       the cache has it (another revision, another process), else download it under the blob's lock to {@code
 *       blobs/<etag>.incomplete} (resuming what a cut connection left), check its sha256, move it into place, and link
 *       it into the snapshot.
 * </ol>
 * {@code model_index.json} comes first, and a check the caller gives (is the pipeline class supported?) runs before
 * any weights are fetched. A second run with everything present costs one request; offline, none.
 */
public final class Hub {
  private final HubConfig config;
  private final HubCache cache;
  private final HubHttp http;

  public Hub(HubConfig config) {
    this.config = config;
    this.cache = new HubCache(config.cacheDir());
    this.http = new HubHttp(config);
  }

  public HubConfig config() {
    return config;
  }

  public HubCache cache() {
    return cache;
  }

  /**
   * The snapshot folder of a pipeline repository with every file the pipeline needs, downloading what is missing.
   *
   * @param variant weight variant such as {@code fp16}, or null
   * @param beforeWeights called with the snapshot folder once its {@code model_index.json} is there and before any
   *     weights are fetched; throws to stop (e.g. an unsupported pipeline class)
   */
  public Path snapshot(RepoRef ref, String variant, Consumer<Path> beforeWeights) {
    if (config.offline()) {
      Path cached = cache.cachedSnapshot(ref);
      if (cached == null) {
        throw new ModelNotFoundException(ref + " is not in the Hugging Face cache (" + cache.repoDir(ref)
            + ") and downloads are off (HF_HUB_OFFLINE=1 or the offline option); go online once to download it");
      }
      beforeWeights.accept(cached);
      return cached;
    }
    HubHttp.RepoInfo info;
    Path cachedBefore = cache.cachedSnapshot(ref);
    try {
      // with a snapshot to fall back on, an unreachable Hub is not waited for (as huggingface_hub)
      info = http.revision(ref, events(ref, null), cachedBefore != null ? 0 : config.maxRetries());
    } catch (HubHttp.UnreachableException e) {
      if (cachedBefore == null) {
        throw e;
      }
      emit(ref, null, DownloadEvent.Kind.USING_CACHE, 0, -1, 0, Duration.ZERO, "the Hub could not be asked ("
          + e.getMessage() + "); using the cached snapshot " + cachedBefore.getFileName());
      beforeWeights.accept(cachedBefore);
      return cachedBefore;
    }
    String commit = info.sha();
    cache.writeRef(ref, commit);
    emit(ref, null, DownloadEvent.Kind.CHECKED_REVISION, 0, -1, 0, Duration.ZERO, commit);
    Set<String> files = new HashSet<>(info.files());
    if (!files.contains("model_index.json")) {
      throw new ModelNotFoundException(ref + " has no model_index.json at commit " + commit + ", so it is not a "
          + "diffusers pipeline repository (vidgen loads diffusers pipelines: a model_index.json and one folder per "
          + "component)");
    }
    Path snap = cache.snapshot(ref, commit);
    ensure(ref, commit, "model_index.json");
    beforeWeights.accept(snap);
    JsonObject index = readJson(snap.resolve("model_index.json"), ref);
    PipelineFiles needed = PipelineFiles.select(index, files, variant, ref.toString());
    for (String f : needed.configs()) {
      ensure(ref, commit, f);
    }
    for (String f : needed.weights()) {
      ensure(ref, commit, f);
    }
    for (String indexFile : needed.shardIndexes()) {
      String folder = indexFile.substring(0, indexFile.lastIndexOf('/') + 1);
      for (String shard : new java.util.LinkedHashSet<>(ComponentWeights.readWeightMap(cache.pointer(ref, commit,
          indexFile)).values())) {
        if (!files.contains(folder + shard)) {
          throw new ModelNotFoundException(ref + ": " + indexFile + " lists the shard " + shard + ", which the "
              + "repository does not have at commit " + commit);
        }
        ensure(ref, commit, folder + shard);
      }
    }
    return snap;
  }

  /** The cached snapshot of a revision, or null; never requests anything. */
  public Path cached(RepoRef ref) {
    return cache.cachedSnapshot(ref);
  }

  /** Makes {@code snapshots/<commit>/<file>} present: nothing when it is, else HEAD and link or download. */
  private void ensure(RepoRef ref, String commit, String file) {
    Path pointer = cache.pointer(ref, commit, file);
    if (Files.exists(pointer)) { // follows the link: a link whose blob was deleted is fetched again
      return;
    }
    HubHttp.FileMeta meta = http.head(ref, commit, file, events(ref, file));
    if (!meta.commit().equals(commit)) {
      throw new DownloadException(ref + ": " + file + ": asked for commit " + commit + " but the Hub answered for "
          + meta.commit() + " (X-Repo-Commit)");
    }
    Path blob = cache.blob(ref, meta.etag());
    if (Files.isRegularFile(blob)) {
      HubCache.link(blob, pointer);
      emit(ref, file, DownloadEvent.Kind.REUSED, meta.size(), meta.size(), meta.size(), Duration.ZERO, null);
      return;
    }
    cache.withBlobLock(ref, meta.etag(), () -> {
      if (!Files.isRegularFile(blob)) { // another process may have finished it while this one waited
        Files.createDirectories(blob.getParent());
        Path incomplete = blob.resolveSibling(meta.etag() + ".incomplete");
        http.download(ref, file, meta, incomplete, events(ref, file));
        Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE);
      } else {
        emit(ref, file, DownloadEvent.Kind.REUSED, meta.size(), meta.size(), meta.size(), Duration.ZERO, null);
      }
      HubCache.link(blob, pointer);
      return null;
    });
  }

  private HubHttp.Events events(RepoRef ref, String file) {
    return (kind, bytes, total, resumedFrom, elapsed, message) -> emit(ref, file, kind, bytes, total, resumedFrom,
        elapsed, message);
  }

  private void emit(RepoRef ref, String file, DownloadEvent.Kind kind, long bytes, long total, long resumedFrom,
      Duration elapsed, String message) {
    config.listener().onDownload(new DownloadEvent(kind, ref.repo(), file, bytes, total, resumedFrom, elapsed,
        message));
  }

  private static JsonObject readJson(Path file, RepoRef ref) {
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException | JsonParseException | IllegalStateException e) {
      throw new ModelNotFoundException(ref + ": " + file.getFileName() + " is not a JSON object: " + e.getMessage());
    }
  }
}
