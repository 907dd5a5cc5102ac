package dev.vidgen.server;

import dev.vidgen.api.GenerationCancelledException;
import dev.vidgen.api.GenerationInfo;
import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.api.VidgenException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A generation thread. It keeps the pipeline of the model it last ran loaded, and replaces it (closing the old one
 * first, so one model's weights are in memory per worker) when a job asks for another model. A pipeline is used by
 * its worker's thread only, as {@link VideoPipeline} requires.
 */
final class Worker extends Thread {
  private final JobService service;
  private final JobStore store;
  private final PrintStream log;
  private volatile Job current;
  private volatile VideoPipeline pipeline;
  private volatile String pipelineModel;
  private volatile boolean stopping;

  Worker(JobService service, JobStore store, PrintStream log, String name) {
    super(name);
    this.service = service;
    this.store = store;
    this.log = log;
    setDaemon(true);
  }

  /** The job running now, or null. */
  Job current() {
    return current;
  }

  String loadedModel() {
    return pipelineModel;
  }

  long liveNativeArrays() {
    VideoPipeline p = pipeline;
    try {
      return p == null ? 0 : p.liveNativeArrays();
    } catch (RuntimeException e) {
      return 0; // closed while we looked
    }
  }

  /**
   * Ends this worker: it stops waiting for jobs, and a job it is running is cancelled and recorded as failed
   * (interrupted by the stop).
   */
  void stopAfterCurrent() {
    stopping = true;
    Job j = current;
    if (j != null) {
      j.fail("interrupted: the server was stopped while this job ran (submit it again)");
      j.token.cancel();
    }
  }

  @Override
  public void run() {
    try {
      while (!stopping) {
        Job job;
        try {
          // polls rather than blocks, so a stop needs no interrupt (which would break the file I/O of a running job)
          job = service.next(250);
        } catch (InterruptedException e) {
          break;
        }
        if (job == null) {
          continue;
        }
        if (stopping) { // taken in the instant the service stopped
          job.fail("interrupted: the server was stopped before this job ran (submit it again)");
          store.deleteUpload(job.id);
          store.save(job);
          break;
        }
        if (!job.start()) {
          continue; // cancelled while it waited
        }
        current = job;
        try {
          store.save(job);
          run(job);
        } finally {
          current = null;
        }
      }
    } finally {
      closePipeline();
    }
  }

  private void run(Job job) {
    long started = System.nanoTime();
    JobSpec spec = job.spec;
    try {
      VideoPipeline base = pipelineFor(spec.model(), job);
      BufferedImage image = spec.image() ? ImageCheck.decode(Files.readAllBytes(store.upload(job.id))) : null;
      store.deleteUpload(job.id);
      VideoPipeline p = spec.scheduler() == null ? base : base.withScheduler(spec.scheduler());
      Video video;
      try {
        video = p.generate(spec.toRequest(image, e -> job.progress(e.step(), e.total()), job.token));
      } finally {
        if (p != base) {
          p.close(); // a view: its weights stay with base
        }
      }
      GenerationInfo info = video.info();
      job.timing("encode_ms", info.encodeTime().toMillis());
      job.timing("denoise_ms", info.denoiseTime().toMillis());
      job.timing("decode_ms", info.decodeTime().toMillis());
      long writeStart = System.nanoTime();
      int scale = spec.scaleFor(video.height(), video.width());
      Video written = video.scaled(scale);
      Path tmp = store.tempFile("." + spec.format().extension);
      try {
        written.save(tmp, SaveOptions.DEFAULT.withOverwrite(true));
        long bytes = Files.size(tmp);
        job.token.throwIfCancelled("before its video was stored");
        store.moveIntoPlace(tmp, store.video(job));
        job.timing("write_ms", (System.nanoTime() - writeStart) / 1_000_000);
        job.succeed(new Job.Result(bytes, written.numFrames(), written.width(), written.height(), written.fps(),
            scale, info.seed(), info.scheduler(), info.pipelineClass()));
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (GenerationCancelledException e) {
      job.cancelled("cancelled by a client while running, after step " + job.step());
    } catch (ApiException e) {
      job.fail(e.getMessage());
    } catch (VidgenException | IllegalArgumentException | IllegalStateException e) {
      job.fail(message(e));
    } catch (IOException e) {
      job.fail("file error on the server: " + e.getMessage());
      log.println("vidgen serve: job " + job.id + ": " + e);
    } catch (RuntimeException e) {
      job.fail("internal error: " + message(e));
      log.println("vidgen serve: job " + job.id + " failed unexpectedly:");
      e.printStackTrace(log);
    } catch (OutOfMemoryError e) {
      closePipeline(); // give the memory back before anything else runs
      job.fail("out of memory while generating: " + e.getMessage() + " (try fewer frames, a smaller size, or fewer "
          + "workers)");
    } finally {
      store.deleteUpload(job.id);
      store.save(job);
      double seconds = (System.nanoTime() - started) / 1e9;
      log.printf(Locale.ROOT, "vidgen serve: job %s %s in %.1f s (%s)%n", job.id, job.state().json(), seconds,
          spec.model());
      service.finished(job, seconds);
    }
  }

  private VideoPipeline pipelineFor(String model, Job job) {
    if (pipeline != null && model.equals(pipelineModel)) {
      job.timing("load_ms", 0);
      return pipeline;
    }
    closePipeline();
    long t0 = System.nanoTime();
    VideoPipeline p = VideoPipeline.builder().model(model).registry(service.models().registry())
        .locator(service.models().locator()).build();
    pipeline = p;
    pipelineModel = model;
    job.timing("load_ms", (System.nanoTime() - t0) / 1_000_000);
    return p;
  }

  private void closePipeline() {
    VideoPipeline p = pipeline;
    pipeline = null;
    pipelineModel = null;
    if (p != null) {
      p.close();
    }
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m).replace('\n', ' ');
  }
}
