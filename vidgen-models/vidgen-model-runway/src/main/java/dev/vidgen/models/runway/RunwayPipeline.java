package dev.vidgen.models.runway;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.vidgen.api.GenerationCancelledException;
import dev.vidgen.api.GenerationInfo;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.StepEvent;
import dev.vidgen.api.UnsupportedModelException;
import dev.vidgen.api.Video;
import dev.vidgen.codec.Mp4Reader;
import dev.vidgen.models.runway.RunwayClient.Budget;
import dev.vidgen.models.runway.RunwayClient.DeadlineExceeded;
import dev.vidgen.models.runway.RunwayClient.OutputRefused;
import dev.vidgen.spi.GenerationDefaults;
import dev.vidgen.spi.ModelPipeline;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * One of Runway's models behind {@link ModelPipeline}: {@link #generate} creates a task ({@code POST
 * /v1/text_to_video} or {@code /v1/image_to_video}), polls {@code GET /v1/tasks/{id}} until it ends, downloads the
 * output at once (its URL expires) and decodes the MP4 with {@link Mp4Reader}, so the {@link Video} is the same kind
 * a local model returns.
 *
 * <p>Polling waits {@link RunwayConfig#pollInterval()} first, then 1.5 times longer each time up to {@link
 * RunwayConfig#maxPollInterval()}, each wait shortened or lengthened at random by up to 20% so that many clients do
 * not poll in step. Task states:
 *
 * <ul>
 *   <li>{@code PENDING}, {@code THROTTLED} (queued behind the account's concurrency limit): keep waiting.
 *   <li>{@code RUNNING}: its {@code progress} (0 to 1) becomes {@link StepEvent}s of {@code step/100}, one per
 *       whole percent reached; a state this version does not know is treated like this, and logged once.
 *   <li>{@code SUCCEEDED}: the first {@code output} URL is downloaded; a refused download (403/404/410, an expired
 *       signature) fetches the task once more for fresh URLs and tries again, then fails with {@link
 *       RunwayOutputExpiredException}. A final {@code 100/100} event follows.
 *   <li>{@code FAILED}: {@link RunwayTaskFailedException} with Runway's {@code failure} and {@code failureCode}.
 *   <li>{@code CANCELLED} without the caller asking: {@link RunwayTaskFailedException}.
 * </ul>
 *
 * The request's {@link dev.vidgen.api.CancellationToken} is checked every 20 ms of every wait; when it is cancelled
 * after the task was created, vidgen sends {@code DELETE /v1/tasks/{id}} and throws {@link
 * GenerationCancelledException}. When {@link RunwayConfig#timeout()} passes, the task is deleted the same way and
 * {@link RunwayTimeoutException} names it. Used by one thread at a time; holds no native memory.
 */
final class RunwayPipeline implements ModelPipeline {
  private static final Logger LOG = System.getLogger(RunwayPipeline.class.getPackageName());
  static final String PIPELINE_CLASS = "RunwayAPI";

  private final String model;
  private final RunwayModel known;
  private final RunwayConfig config;
  private final RunwayClient client;
  private final RandomGenerator random;

  RunwayPipeline(String model, RunwayModel known, RunwayConfig config, RandomGenerator random) {
    this.model = checkNotNull(model, "model");
    this.known = known;
    this.config = checkNotNull(config, "config");
    this.random = random;
    this.client = new RunwayClient(config, random);
  }

  /** The model name sent to Runway. */
  String model() {
    return model;
  }

  RunwayConfig config() {
    return config;
  }

  @Override
  public String pipelineClass() {
    return PIPELINE_CLASS;
  }

  /**
   * Known models: their default text-to-video (else image-to-video) size and duration at Runway's 24 fps. Others:
   * 1280x720, 5 s. Steps and guidance do not apply (0); sizes come from a list, not a multiple (1).
   */
  @Override
  public GenerationDefaults defaults() {
    int width = 1280;
    int height = 720;
    int seconds = 5;
    if (known != null) {
      RunwayModel.Limits l = known.endpoints().getOrDefault(RunwayModel.Endpoint.TEXT_TO_VIDEO,
          known.endpoints().get(RunwayModel.Endpoint.IMAGE_TO_VIDEO));
      String r = l.defaultRatio();
      width = Integer.parseInt(r.substring(0, r.indexOf(':')));
      height = Integer.parseInt(r.substring(r.indexOf(':') + 1));
      seconds = l.defaultDuration();
    }
    return new GenerationDefaults(width, height, seconds * RunwayModel.RUNWAY_FPS, 0, 0, RunwayModel.RUNWAY_FPS, 1,
        "Runway's list of output sizes");
  }

  @Override
  public String schedulerName() {
    return "none (runs on Runway's service)";
  }

  @Override
  public ModelPipeline withScheduler(String scheduler) {
    throw new UnsupportedModelException("runway:" + model + " runs on Runway's service: it has no scheduler to "
        + "choose (asked for '" + scheduler + "')");
  }

  @Override
  public boolean acceptsImageUri() {
    return true;
  }

  @Override
  public Video generate(GenerationRequest request, String modelName) {
    String label = modelName == null ? "runway:" + model : modelName;
    RunwayRequest.Prepared prepared = RunwayRequest.prepare(model, known, request, label);
    Budget budget = Budget.of(config.timeout(), request.cancellation());
    long t0 = System.nanoTime();
    request.cancellation().throwIfCancelled("before creating the Runway task");
    String taskId = null;
    boolean ended = false; // the task reached a final state: nothing left to cancel on Runway's side
    try {
      taskId = client.createTask(prepared.endpoint(), prepared.body(), budget);
      LOG.log(Level.INFO, "Runway task {0} created: {1}", taskId, prepared.summary());
      long t1 = System.nanoTime();
      RunwayTask done;
      try {
        done = await(taskId, budget, request, t0);
      } catch (RunwayTaskFailedException e) {
        ended = true;
        throw e;
      }
      ended = true;
      long t2 = System.nanoTime();
      byte[] mp4 = fetchOutput(done, budget);
      Video video = Mp4Reader.read(ByteBuffer.wrap(mp4), null, "the output of Runway task " + taskId);
      long t3 = System.nanoTime();
      // encode: creating the task; denoise: Runway's work and the waiting; decode: download and MP4 decoding
      GenerationInfo info = new GenerationInfo(label, PIPELINE_CLASS + "/" + prepared.endpoint().path()
          .substring("/v1/".length()), request.prompt(), request.seed() == null ? -1 : request.seed(), 0, 0,
          schedulerName(), Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1), Duration.ofNanos(t3 - t2));
      request.listener().onStep(new StepEvent(100, 100, Duration.ofNanos(t3 - t0)));
      return video.withInfo(info);
    } catch (DeadlineExceeded e) {
      throw new RunwayTimeoutException(String.format(Locale.ROOT, "%s did not finish within the timeout of %s "
          + "(option %s)%s; the timeout passed %s", label, human(config.timeout()), RunwayConfig.OPT_TIMEOUT,
          stop(taskId, ended), e.getMessage()), taskId, config.timeout());
    } catch (GenerationCancelledException e) {
      if (taskId == null) {
        throw e;
      }
      throw new GenerationCancelledException(e.getMessage() + stop(taskId, ended), e);
    } catch (RuntimeException e) {
      // anything else while the task still runs (a listener that threw, an error polling it): stop it on Runway too
      if (taskId != null && !ended) {
        client.deleteTask(taskId);
      }
      throw e;
    }
  }

  /**
   * Cancels a task that is still running ({@code DELETE}) and says what happened, for the message; a finished task
   * is left alone (deleting it would only delete its output).
   */
  private String stop(String taskId, boolean ended) {
    if (taskId == null) {
      return "";
    }
    if (ended) {
      return ": Runway task " + taskId + " had finished, but its output was not downloaded";
    }
    return client.deleteTask(taskId) ? ": task " + taskId + " was cancelled on Runway (DELETE /v1/tasks/" + taskId
        + " sent)" : ": cancelling task " + taskId + " on Runway failed, it may still run";
  }

  /** Polls until the task ends; returns it when it succeeded. */
  private RunwayTask await(String taskId, Budget budget, GenerationRequest request, long t0) {
    Duration interval = config.pollInterval();
    int lastPercent = -1;
    boolean warnedUnknown = false;
    while (true) {
      budget.sleep(jitter(interval), "while Runway task " + taskId + " was running");
      interval = next(interval);
      RunwayTask task = client.getTask(taskId, budget);
      switch (task.status()) {
        case SUCCEEDED -> {
          return task;
        }
        case FAILED -> {
          String failure = config.apiKey().redact(task.failure());
          throw new RunwayTaskFailedException("Runway task " + taskId + " failed: "
              + (failure == null ? "(no reason given)" : failure) + " (failureCode "
              + (task.failureCode() == null ? "none" : task.failureCode()) + "; see "
              + "https://docs.dev.runwayml.com/errors/task-failures/)", taskId, "FAILED", failure, task.failureCode());
        }
        case CANCELLED -> {
          if (request.cancellation().isCancelled()) {
            throw new GenerationCancelledException("generation cancelled while Runway task " + taskId + " ran");
          }
          throw new RunwayTaskFailedException("Runway task " + taskId + " was cancelled on Runway's side (not by "
              + "this caller: the developer portal or another client deleted it)", taskId, "CANCELLED", null, null);
        }
        case RUNNING, UNKNOWN -> {
          if (task.status() == RunwayTask.Status.UNKNOWN && !warnedUnknown) {
            LOG.log(Level.WARNING, "Runway task {0} is in state ''{1}'', unknown to this vidgen version; waiting "
                + "for it to end", taskId, task.statusText());
            warnedUnknown = true;
          }
          if (task.progress() != null) {
            int percent = (int) Math.floor(task.progress() * 100);
            if (percent > lastPercent) {
              lastPercent = percent;
              request.listener().onStep(new StepEvent(percent, 100, Duration.ofNanos(System.nanoTime() - t0)));
            }
          }
        }
        case PENDING, THROTTLED -> LOG.log(Level.DEBUG, "Runway task {0} is {1}", taskId, task.status());
      }
    }
  }

  /**
   * Downloads the first output; if its URL is refused (expired), reads the task again for fresh URLs and tries once
   * more.
   */
  private byte[] fetchOutput(RunwayTask task, Budget budget) {
    if (task.output().isEmpty()) {
      throw new RunwayException("Runway task " + task.id() + " SUCCEEDED without an output URL");
    }
    if (task.output().size() > 1) {
      LOG.log(Level.INFO, "Runway task {0} has {1} outputs; vidgen returns the first", task.id(),
          task.output().size());
    }
    try {
      return client.download(outputUri(task), budget);
    } catch (OutputRefused first) {
      LOG.log(Level.INFO, "the output URL of Runway task {0} was refused ({1}); fetching fresh URLs", task.id(),
          first.status);
      RunwayTask again = client.getTask(task.id(), budget);
      if (again.status() == RunwayTask.Status.SUCCEEDED && !again.output().isEmpty()) {
        try {
          return client.download(outputUri(again), budget);
        } catch (OutputRefused second) {
          throw expired(task.id(), second.status, true);
        }
      }
      throw expired(task.id(), first.status, false);
    }
  }

  private static RunwayOutputExpiredException expired(String taskId, int status, boolean refreshed) {
    return new RunwayOutputExpiredException("the output of Runway task " + taskId + " could not be downloaded: its "
        + "URL answered " + status + (refreshed ? " even after fetching the task again for a fresh URL"
            : " and the task offers no fresh URL") + " (Runway's output URLs are signed and expire)", taskId, status);
  }

  /** The first output URL; one without a host (not Runway's form, but harmless) is taken relative to the API. */
  private URI outputUri(RunwayTask task) {
    String url = task.output().get(0);
    try {
      URI uri = URI.create(url);
      if (uri.getHost() == null && uri.getScheme() == null) {
        uri = URI.create(config.baseUrl() + "/").resolve(uri);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new RunwayException("Runway task " + task.id() + " gave an output that is not an http(s) URL");
    }
  }

  private Duration jitter(Duration d) {
    double f = 0.8 + 0.4 * random.nextDouble();
    return Duration.ofNanos(Math.max(1_000_000L, (long) (d.toNanos() * f)));
  }

  private Duration next(Duration d) {
    Duration grown = Duration.ofNanos((long) (d.toNanos() * 1.5));
    return grown.compareTo(config.maxPollInterval()) > 0 ? config.maxPollInterval() : grown;
  }

  private static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + " min";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + " s";
    }
    return ms + " ms";
  }

  @Override
  public long liveNativeArrays() {
    return 0;
  }

  @Override
  public void close() {
    // nothing held: HttpClient instances release their threads when unreachable
  }

  @Override
  public String toString() {
    return "RunwayPipeline[runway:" + model + " at " + config.baseUrl() + "]";
  }
}
