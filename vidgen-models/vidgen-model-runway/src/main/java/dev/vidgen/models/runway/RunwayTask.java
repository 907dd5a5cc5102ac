package dev.vidgen.models.runway;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A task as {@code GET /v1/tasks/{id}} describes it (API version 2024-11-06).
 *
 * @param id the task id
 * @param status its state; {@link Status#UNKNOWN} for a state this version of vidgen does not know (kept polling)
 * @param statusText the state as the server spelt it
 * @param progress {@code RUNNING}: the share done, 0 to 1, or null when the server gave none
 * @param output {@code SUCCEEDED}: the output URLs (signed, expiring within a day or two); empty otherwise
 * @param failure {@code FAILED}: the human-readable reason, or null
 * @param failureCode {@code FAILED}: the machine-readable code (e.g. {@code SAFETY.INPUT.TEXT}), or null
 */
public record RunwayTask(String id, Status status, String statusText, Double progress, List<String> output,
    String failure, String failureCode) {

  /** Runway's task states. */
  public enum Status {
    PENDING, THROTTLED, RUNNING, SUCCEEDED, FAILED, CANCELLED, UNKNOWN;

    /** Whether the task will not change any more. */
    public boolean terminal() {
      return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
  }

  public RunwayTask {
    output = List.copyOf(output);
  }

  /**
   * Parses a task body; a missing or malformed {@code status} or {@code id} is an error naming the member.
   *
   * @param expectedId the id that was asked for, used when the body omits it
   */
  static RunwayTask parse(JsonObject json, String expectedId) {
    String id = string(json, "id");
    String statusText = string(json, "status");
    if (statusText == null) {
      throw new RunwayException("Runway API GET /v1/tasks/" + expectedId + " answered without a 'status': " + json);
    }
    Status status;
    try {
      status = Status.valueOf(statusText.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      status = Status.UNKNOWN;
    }
    Double progress = null;
    JsonElement p = json.get("progress");
    if (p != null && p.isJsonPrimitive() && p.getAsJsonPrimitive().isNumber()) {
      progress = Math.max(0, Math.min(1, p.getAsDouble()));
    }
    List<String> output = new ArrayList<>();
    JsonElement o = json.get("output");
    if (o != null && o.isJsonArray()) {
      for (JsonElement e : o.getAsJsonArray()) {
        if (e.isJsonPrimitive()) {
          output.add(e.getAsString());
        }
      }
    }
    return new RunwayTask(id == null ? expectedId : id, status, statusText, progress, output, string(json, "failure"),
        string(json, "failureCode"));
  }

  private static String string(JsonObject json, String member) {
    JsonElement e = json.get(member);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }
}
