package dev.vidgen.models.runway;

/**
 * A Runway task ended without a video: {@code FAILED} (with Runway's {@code failure} text and, usually, a
 * machine-readable {@code failureCode} such as {@code SAFETY.INPUT.TEXT}; see
 * https://docs.dev.runwayml.com/errors/task-failures/), or {@code CANCELLED} by someone other than this caller (the
 * developer portal, another client). A cancellation through the request's {@link dev.vidgen.api.CancellationToken}
 * is a {@link dev.vidgen.api.GenerationCancelledException} instead.
 */
public class RunwayTaskFailedException extends RunwayException {
  private static final long serialVersionUID = 1L;

  private final String taskId;
  private final String status;
  private final String failure;
  private final String failureCode;

  public RunwayTaskFailedException(String message, String taskId, String status, String failure, String failureCode) {
    super(message);
    this.taskId = taskId;
    this.status = status;
    this.failure = failure;
    this.failureCode = failureCode;
  }

  public String taskId() {
    return taskId;
  }

  /** {@code FAILED} or {@code CANCELLED}. */
  public String status() {
    return status;
  }

  /** Runway's human-readable reason, or null. */
  public String failure() {
    return failure;
  }

  /** Runway's machine-readable code, e.g. {@code SAFETY.INPUT.TEXT}, or null. */
  public String failureCode() {
    return failureCode;
  }
}
