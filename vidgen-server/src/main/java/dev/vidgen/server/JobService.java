package dev.vidgen.server;

import dev.vidgen.api.VideoPipeline;
import dev.vidgen.spi.ModelRegistry;
import dev.vidgen.spi.ModelVariant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The job queue and its workers: a bounded FIFO queue ({@code --queue}), {@code --workers} threads that each keep one
 * pipeline loaded and switch it when a job asks for another model, cancellation, persistence through {@link
 * JobStore} and the retention limit ({@code keepJobs} finished jobs).
 *
 * <p>Every accepted job is on disk before {@code 202} is answered, and is found again after a restart: finished,
 * or failed with the reason if the server died first.
 */
final class JobService implements AutoCloseable {
  private final ServerConfig config;
  private final JobStore store;
  private final Models models;
  private final LinkedBlockingQueue<Job> queue;
  private final Map<String, Job> jobs = new LinkedHashMap<>(); // guarded by this, in submission order
  private final List<Worker> workers = new ArrayList<>();
  private long nextSeq;
  private boolean accepting = true;
  /** Moving average of finished jobs' run times, for Retry-After. */
  private double averageRunSeconds = 5;

  JobService(ServerConfig config, JobStore store) {
    this.config = config;
    this.store = store;
    this.models = new Models(config);
    this.queue = new LinkedBlockingQueue<>(config.queueCapacity());
    List<Job> loaded = store.load(config.log());
    for (Job j : loaded) {
      jobs.put(j.id, j);
      nextSeq = Math.max(nextSeq, j.seq + 1);
    }
    enforceRetention();
    for (int i = 0; i < config.workers(); i++) {
      Worker w = new Worker(this, store, config.log(), "vidgen-worker-" + (i + 1));
      workers.add(w);
      w.start();
    }
  }

  Models models() {
    return models;
  }

  /** The next job, waiting up to {@code millis}; null if none came. */
  Job next(long millis) throws InterruptedException {
    return queue.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** An accepted job and how it looked when accepted (queued, with its place), for the 202 answer. */
  record Accepted(Job job, com.google.gson.JsonObject view) {}

  /**
   * Accepts a job: records it (and its upload) on disk, then queues it.
   *
   * @throws ApiException 429 with Retry-After when the queue is full, 503 when the server is stopping
   */
  Accepted submit(JobSpec spec, byte[] image) {
    synchronized (this) {
      if (!accepting) {
        throw new ApiException(503, "the server is stopping");
      }
      if (queue.remainingCapacity() == 0) {
        throw queueFull();
      }
      Job job = new Job(store.newId(), nextSeq++, Instant.now(), spec);
      try {
        if (image != null) {
          store.writeAtomically(store.upload(job.id), image);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot store the upload of job " + job.id + ": " + e.getMessage(), e);
      }
      store.save(job);
      jobs.put(job.id, job);
      // the snapshot before a worker can take it: a 202 always says "queued"
      com.google.gson.JsonObject view = job.toJson(queue.size() + 1);
      // Only submit() adds to the queue, under this lock, after the capacity check: the offer cannot fail.
      if (!queue.offer(job)) {
        jobs.remove(job.id);
        store.delete(job);
        throw queueFull();
      }
      return new Accepted(job, view);
    }
  }

  private ApiException queueFull() {
    long running = workers.stream().filter(w -> w.current() != null).count();
    long ahead = queue.size() + running;
    long seconds = (long) Math.ceil(averageRunSeconds * ahead / config.workers());
    seconds = Math.max(1, Math.min(3600, seconds));
    return new ApiException(429, "the queue is full (" + config.queueCapacity() + " jobs waiting); retry in about "
        + seconds + " s", Map.of("Retry-After", Long.toString(seconds)));
  }

  synchronized Job find(String id) {
    return jobs.get(id);
  }

  /** The newest {@code limit} jobs, newest first. */
  synchronized List<Job> newest(int limit) {
    List<Job> all = new ArrayList<>(jobs.values());
    all.sort(Comparator.comparingLong((Job j) -> j.seq).reversed());
    return List.copyOf(all.subList(0, Math.min(limit, all.size())));
  }

  /** 1-based place in the queue of a queued job, else null. */
  Integer queuePosition(Job job) {
    int i = 1;
    for (Job q : queue) {
      if (q == job) {
        return i;
      }
      i++;
    }
    return null;
  }

  /**
   * Cancels a job: a queued one leaves the queue at once; a running one is stopped by its worker after the step in
   * progress (the generation frees its native memory as it unwinds).
   *
   * @throws ApiException 409 when the job has already succeeded or failed
   */
  void cancel(Job job) {
    boolean wasQueued;
    synchronized (job) {
      Job.State s = job.state();
      if (s == Job.State.SUCCEEDED || s == Job.State.FAILED) {
        throw new ApiException(409, "job " + job.id + " has already " + s.json() + "; there is nothing to cancel");
      }
      wasQueued = s == Job.State.QUEUED;
      if (wasQueued) {
        job.cancelled("cancelled by a client while queued");
      } else {
        job.token.cancel();
      }
    }
    if (wasQueued) {
      queue.remove(job);
      store.deleteUpload(job.id);
      store.save(job);
      enforceRetention();
    }
  }

  /** Called by a worker when a job reached its final state (already saved). */
  void finished(Job job, double runSeconds) {
    synchronized (this) {
      if (job.state() == Job.State.SUCCEEDED) {
        averageRunSeconds = 0.7 * averageRunSeconds + 0.3 * runSeconds;
      }
    }
    enforceRetention();
  }

  /** Deletes the oldest finished jobs beyond the retention limit, with their files. */
  synchronized void enforceRetention() {
    List<Job> finished = new ArrayList<>();
    for (Job j : jobs.values()) {
      if (j.state().terminal()) {
        finished.add(j);
      }
    }
    int excess = finished.size() - config.keepJobs();
    for (int i = 0; i < excess; i++) {
      Job old = finished.get(i); // jobs iterates in submission order: oldest first
      jobs.remove(old.id);
      store.delete(old);
    }
  }

  synchronized int queued() {
    return queue.size();
  }

  int running() {
    return (int) workers.stream().filter(w -> w.current() != null).count();
  }

  synchronized int size() {
    return jobs.size();
  }

  synchronized boolean accepting() {
    return accepting;
  }

  /** The models loaded now, one per worker that has loaded one. */
  List<String> loadedModels() {
    List<String> out = new ArrayList<>();
    for (Worker w : workers) {
      String m = w.loadedModel();
      if (m != null) {
        out.add(m);
      }
    }
    return out;
  }

  /** Native arrays held by the loaded pipelines (their weights; growing means a leak). */
  long liveNativeArrays() {
    long n = 0;
    for (Worker w : workers) {
      n += w.liveNativeArrays();
    }
    return n;
  }

  /**
   * Stops: no new jobs; running jobs are stopped and, with the queued ones, recorded as failed with the reason (a
   * client resubmits them), so a graceful stop and a crash leave the same picture; then the pipelines are closed.
   */
  @Override
  public void close() {
    List<Job> pending = new ArrayList<>();
    synchronized (this) {
      accepting = false;
      queue.drainTo(pending);
    }
    for (Job j : pending) {
      j.fail("interrupted: the server was stopped before this job ran (submit it again)");
      store.deleteUpload(j.id);
      store.save(j);
    }
    for (Worker w : workers) {
      w.stopAfterCurrent();
    }
    for (Worker w : workers) {
      try {
        w.join(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  /** Which models this server serves, by canonical name, and whether their weights are here. */
  static final class Models {
    private final ServerConfig config;
    private final ModelRegistry registry;

    Models(ServerConfig config) {
      this.config = config;
      this.registry = config.registry();
    }

    /** The canonical name (the variant's alias) of a requested model; 404 when unknown or not on this machine. */
    String canonical(String requested) {
      ModelRegistry.Match m = registry.find(requested);
      if (m == null) {
        throw ApiException.notFound("unknown model '" + requested + "'; this server serves " + aliases()
            + " (GET /v1/models lists them)");
      }
      ModelVariant v = m.variant();
      String alias = v != null ? v.alias() : m.provider().id();
      if (v != null && !available(m)) {
        throw ApiException.notFound("model '" + alias + "' is known but its weights are not on this server"
            + (v.repoIds().isEmpty() ? "" : "; an operator can download them with `huggingface-cli download "
                + v.repoIds().get(0) + "`"));
      }
      return alias;
    }

    List<String> aliases() {
      List<String> out = new ArrayList<>();
      for (var p : registry.providers()) {
        for (ModelVariant v : p.variants()) {
          out.add(v.alias());
        }
      }
      return out;
    }

    ModelRegistry registry() {
      return registry;
    }

    dev.vidgen.hub.ModelLocator locator() {
      return config.locator();
    }

    /** Whether a model can be loaded here without a download: embedded in a jar, or found by the resolver offline. */
    boolean available(ModelRegistry.Match m) {
      ModelVariant v = m.variant();
      if (m.provider() instanceof VideoPipeline.EmbeddedModels e) {
        try {
          if (e.embedded(v) != null) {
            return true;
          }
        } catch (RuntimeException ex) {
          return false;
        }
      }
      try {
        // on this machine already: $VIDGEN_HOME or the Hugging Face cache, asking the Hub nothing
        new dev.vidgen.hub.ModelResolver(registry, config.locator(), config.locator().hubConfig().withOffline(true))
            .resolve(v.alias(), null, null);
        return true;
      } catch (RuntimeException ex) {
        return false;
      }
    }

    Map<String, Boolean> availability() {
      Map<String, Boolean> out = new HashMap<>();
      for (var p : registry.providers()) {
        for (ModelVariant v : p.variants()) {
          out.put(v.alias(), available(new ModelRegistry.Match(p, v)));
        }
      }
      return out;
    }
  }
}
