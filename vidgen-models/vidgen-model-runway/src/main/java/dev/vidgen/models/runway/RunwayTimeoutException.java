package dev.vidgen.models.runway;

import java.time.Duration;

/**
 * The caller's overall timeout ({@code runway.timeout}) passed before the video was ready. When a task had been
 * created it has been cancelled on Runway's side ({@code DELETE /v1/tasks/{id}}), so it does not go on running for
 * nobody; {@link #taskId()} names it.
 */
public class RunwayTimeoutException extends RunwayException {
  private static final long serialVersionUID = 1L;

  private final String taskId;
  private final Duration timeout;

  public RunwayTimeoutException(String message, String taskId, Duration timeout) {
    super(message);
    this.taskId = taskId;
    this.timeout = timeout;
  }

  /** The task that was running, or null when the timeout passed before one was created. */
  public String taskId() {
    return taskId;
  }

  public Duration timeout() {
    return timeout;
  }
}
