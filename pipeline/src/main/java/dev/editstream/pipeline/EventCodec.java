package dev.editstream.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.editstream.core.Json;
import dev.editstream.core.event.JobEvent;
import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON encoding of {@link JobEvent}s on Kafka (UTF-8 JSON, envelope version {@link JobEvent#VERSION}). */
public final class EventCodec {
  private EventCodec() {}

  /** The event as UTF-8 JSON bytes. */
  public static byte[] encode(JobEvent e) {
    try {
      return Json.mapper().writeValueAsBytes(e);
    } catch (JsonProcessingException ex) {
      throw new UncheckedIOException("cannot encode event of job " + e.jobId(), ex);
    }
  }

  /**
   * Decodes an event.
   *
   * @throws IllegalArgumentException with a readable reason when the bytes are not a valid event of
   *     a supported version (a poison record)
   */
  public static JobEvent decode(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("record has no value");
    }
    JobEvent e;
    try {
      e = Json.mapper().readValue(bytes, JobEvent.class);
    } catch (IOException | RuntimeException ex) {
      String msg = ex instanceof JsonProcessingException j ? j.getOriginalMessage() : ex.getMessage();
      throw new IllegalArgumentException("not a job event: " + msg, ex);
    }
    if (e.v() != JobEvent.VERSION) {
      throw new IllegalArgumentException("unsupported event version " + e.v() + " (this build reads " + JobEvent.VERSION + ")");
    }
    if (e.job() == null) {
      throw new IllegalArgumentException("event of job " + e.jobId() + " carries no job");
    }
    return e;
  }
}
