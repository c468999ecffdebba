package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A stage of the pipeline: where an event was produced or a failure happened. */
public enum Stage {
  PRODUCER,
  ROUTER,
  POLLER,
  DOWNLOADER;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
