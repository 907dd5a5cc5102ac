package dev.vidgen.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.vidgen.api.CancellationToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * One generation job: its request, its state machine ({@code queued -> running -> succeeded | failed | cancelled};
 * a queued job may go straight to cancelled or failed), progress, timings and result, and the event streams that
 * follow it. Thread-safe: the worker, the HTTP handlers and the store call it concurrently; every change happens
 * under the job's lock and is published to the subscribers in the same critical section, so a subscriber sees every
 * event after the snapshot it started from, in order.
 */
final class Job {
  /** The states of {@code GET /v1/jobs/{id}}. */
  enum State {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    String json() {
      return name().toLowerCase(Locale.ROOT);
    }

    boolean terminal() {
      return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    static State parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * A server-sent event: {@code name} is {@code state} (data: the whole job) or {@code progress} (data: step and
   * total); {@code last} marks the final event of a stream.
   */
  record Event(String name, String data, boolean last) {}

  /**
   * What a succeeded job produced.
   *
   * @param bytes size of the file
   * @param frames frame count
   * @param width written width (after scaling)
   * @param height written height
   * @param fps frame rate
   * @param scale the enlargement applied when writing
   * @param seed the seed used (the drawn one when the request gave none)
   * @param scheduler the scheduler class that sampled
   * @param pipeline the diffusers pipeline class reproduced
   */
  record Result(long bytes, int frames, int width, int height, int fps, int scale, long seed, String scheduler,
      String pipeline) {}

  /** Events buffered per subscriber: more than any run's steps, so a slow reader loses none. */
  static final int SUBSCRIBER_BUFFER = 2100;

  final String id;
  final long seq;
  final Instant createdAt;
  final JobSpec spec;
  final CancellationToken token = new CancellationToken();

  private State state;
  private int step;
  private int total;
  private String error;
  private Instant startedAt;
  private Instant finishedAt;
  private final Map<String, Long> timingsMs = new LinkedHashMap<>();
  private Result result;
  private final List<BlockingQueue<Event>> subscribers = new ArrayList<>();

  Job(String id, long seq, Instant createdAt, JobSpec spec) {
    this.id = id;
    this.seq = seq;
    this.createdAt = createdAt;
    this.spec = spec;
    this.state = State.QUEUED;
  }

  synchronized State state() {
    return state;
  }

  synchronized int step() {
    return step;
  }

  synchronized Result result() {
    return result;
  }

  synchronized Instant finishedAt() {
    return finishedAt;
  }

  /** queued -> running; false when the job is no longer queued (cancelled while it waited). */
  synchronized boolean start() {
    if (state != State.QUEUED) {
      return false;
    }
    state = State.RUNNING;
    startedAt = Instant.now();
    timingsMs.put("queue_ms", startedAt.toEpochMilli() - createdAt.toEpochMilli());
    publishState();
    return true;
  }

  /** Records how long a phase took (load_ms, encode_ms, ...). */
  synchronized void timing(String name, long millis) {
    timingsMs.put(name, millis);
  }

  synchronized void progress(int step, int total) {
    this.step = step;
    this.total = total;
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("step", step);
    o.addProperty("total", total);
    publish(new Event("progress", o.toString(), false));
  }

  synchronized void succeed(Result result) {
    this.result = result;
    finish(State.SUCCEEDED, null);
  }

  synchronized void fail(String error) {
    finish(State.FAILED, error);
  }

  synchronized void cancelled(String why) {
    finish(State.CANCELLED, why);
  }

  private void finish(State to, String error) {
    if (state.terminal()) {
      return;
    }
    state = to;
    this.error = error;
    finishedAt = Instant.now();
    if (startedAt != null) {
      timingsMs.put("run_ms", finishedAt.toEpochMilli() - startedAt.toEpochMilli());
    }
    timingsMs.put("total_ms", finishedAt.toEpochMilli() - createdAt.toEpochMilli());
    publishState();
  }

  /**
   * A new event stream: the current state first, then every change. If the job has finished, the stream holds only
   * that final state.
   */
  synchronized BlockingQueue<Event> subscribe() {
    BlockingQueue<Event> q = new ArrayBlockingQueue<>(SUBSCRIBER_BUFFER);
    q.add(stateEvent());
    if (!state.terminal()) {
      subscribers.add(q);
    }
    return q;
  }

  synchronized void unsubscribe(BlockingQueue<Event> q) {
    subscribers.remove(q);
  }

  synchronized int subscriberCount() {
    return subscribers.size();
  }

  private Event stateEvent() {
    return new Event("state", toJson(null).toString(), state.terminal());
  }

  private void publishState() {
    publish(stateEvent());
    if (state.terminal()) {
      subscribers.clear();
    }
  }

  private void publish(Event e) {
    // A subscriber whose buffer is full stops reading (its client is gone or stuck): drop it, never block the worker.
    subscribers.removeIf(q -> !q.offer(e));
  }

  /** The job as the API shows it; {@code queuePosition} (1 = next) only for queued jobs. */
  synchronized JsonObject toJson(Integer queuePosition) {
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("state", state.json());
    if (queuePosition != null && state == State.QUEUED) {
      o.addProperty("queue_position", queuePosition);
    }
    o.add("request", spec.toJson());
    JsonObject p = new JsonObject();
    p.addProperty("step", step);
    p.addProperty("total", total);
    o.add("progress", p);
    o.addProperty("created_at", createdAt.toString());
    o.addProperty("started_at", startedAt == null ? null : startedAt.toString());
    o.addProperty("finished_at", finishedAt == null ? null : finishedAt.toString());
    JsonObject t = new JsonObject();
    timingsMs.forEach(t::addProperty);
    o.add("timings", t);
    o.addProperty("error", error);
    if (result != null) {
      JsonObject r = new JsonObject();
      r.addProperty("url", "/v1/jobs/" + id + "/video");
      r.addProperty("content_type", spec.format().contentType);
      r.addProperty("bytes", result.bytes());
      r.addProperty("frames", result.frames());
      r.addProperty("width", result.width());
      r.addProperty("height", result.height());
      r.addProperty("fps", result.fps());
      r.addProperty("scale", result.scale());
      r.addProperty("seed", result.seed());
      r.addProperty("scheduler", result.scheduler());
      r.addProperty("pipeline", result.pipeline());
      o.add("result", r);
    }
    o.addProperty("seq", seq);
    return o;
  }

  /**
   * A job read back from its record. A job the record shows unfinished was cut off by a crash or a kill: it comes
   * back failed, saying so.
   */
  static Job fromJson(JsonObject o) {
    Job j = new Job(o.get("id").getAsString(), o.get("seq").getAsLong(), Instant.parse(o.get("created_at")
        .getAsString()), JobSpec.fromJson(o.getAsJsonObject("request")));
    j.state = State.parse(o.get("state").getAsString());
    JsonObject p = o.getAsJsonObject("progress");
    j.step = p.get("step").getAsInt();
    j.total = p.get("total").getAsInt();
    j.startedAt = instant(o, "started_at");
    j.finishedAt = instant(o, "finished_at");
    for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("timings").entrySet()) {
      j.timingsMs.put(e.getKey(), e.getValue().getAsLong());
    }
    j.error = o.has("error") && !o.get("error").isJsonNull() ? o.get("error").getAsString() : null;
    if (o.has("result") && o.get("result").isJsonObject()) {
      JsonObject r = o.getAsJsonObject("result");
      j.result = new Result(r.get("bytes").getAsLong(), r.get("frames").getAsInt(), r.get("width").getAsInt(),
          r.get("height").getAsInt(), r.get("fps").getAsInt(), r.get("scale").getAsInt(), r.get("seed").getAsLong(),
          r.get("scheduler").getAsString(), r.get("pipeline").getAsString());
    }
    return j;
  }

  /** Marks a job read back unfinished as failed (the server stopped while it was queued or running). */
  synchronized boolean failIfInterrupted(Instant now) {
    if (state.terminal()) {
      return false;
    }
    State was = state;
    state = State.FAILED;
    error = "interrupted: the server stopped while this job was " + was.json() + " (it was not finished; submit it "
        + "again)";
    finishedAt = now;
    return true;
  }

  /** A record read back as succeeded whose video is gone: failed, with the reason. */
  synchronized void markBroken(String why) {
    state = State.FAILED;
    error = why;
    result = null;
  }

  private static Instant instant(JsonObject o, String k) {
    return o.has(k) && !o.get(k).isJsonNull() ? Instant.parse(o.get(k).getAsString()) : null;
  }
}
