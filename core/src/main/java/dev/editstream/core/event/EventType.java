package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonValue;

/** The state changes of a job; each has its own topic (see {@link Topics}). */
public enum EventType {
  /** The producer accepted the job. */
  REQUESTED,
  /** The router submitted it: model_id and request_id known. */
  SUBMITTED,
  /** RunComfy finished it: output URLs known. */
  COMPLETED,
  /** Every output file is on disk and in the manifest. Terminal. */
  DONE,
  /** The job ended without outputs, with an exit class and reason. Terminal. */
  FAILED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
