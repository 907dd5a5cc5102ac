package dev.vidgen.models.runway;

/**
 * A succeeded task's output could not be downloaded: its URL was refused (403, 404 or 410: Runway's output URLs are
 * signed and expire) even after fetching the task again for fresh URLs.
 */
public class RunwayOutputExpiredException extends RunwayException {
  private static final long serialVersionUID = 1L;

  private final String taskId;
  private final int status;

  public RunwayOutputExpiredException(String message, String taskId, int status) {
    super(message);
    this.taskId = taskId;
    this.status = status;
  }

  public String taskId() {
    return taskId;
  }

  /** The HTTP status of the last download attempt. */
  public int status() {
    return status;
  }
}
