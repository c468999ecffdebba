package dev.editstream.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.editstream.core.Json;
import dev.editstream.core.event.EventType;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The few envelope fields that views and trackers need, read from an event's JSON without building
 * the whole {@link dev.editstream.core.event.JobEvent} (job, body, history and outputs are skipped
 * token by token). A view of every done, failed or submitted event reads each one, so this keeps
 * their cost a fraction of a full decode; stages that act on an event still decode it fully ({@link
 * EventCodec#decode}).
 *
 * @param type the event type ({@code type})
 * @param jobId {@code job_id}
 * @param at when the event was made ({@code at}), or null when absent
 * @param replays {@code replays}, 0 when absent
 * @param requestId {@code submission.request_id}, or null
 * @param modelId {@code route.model_id}, or null
 * @param rule {@code route.rule}, or null
 * @param costUsd {@code remote.cost_usd}, RunComfy's actual cost in USD, or null
 * @param partRequestIds the {@code request_id} of every element of {@code parts} (a split batch),
 *     in order; empty when the event has no parts
 */
public record EventHead(
    EventType type,
    String jobId,
    @Nullable Instant at,
    int replays,
    @Nullable String requestId,
    @Nullable String modelId,
    @Nullable String rule,
    @Nullable Double costUsd,
    List<String> partRequestIds) {

  /**
   * @throws NullPointerException if {@code partRequestIds} is null
   */
  public EventHead {
    partRequestIds = List.copyOf(partRequestIds);
  }

  /**
   * Every RunComfy request of the job, as {@link dev.editstream.core.event.JobEvent#requests()}
   * gives them: the parts of a split batch, else the one {@code submission.request_id}; empty
   * before the job was submitted.
   */
  public List<String> requestIds() {
    if (!partRequestIds.isEmpty()) {
      return partRequestIds;
    }
    return requestId == null ? List.of() : List.of(requestId);
  }

  /**
   * Reads the head of one event.
   *
   * @throws IllegalArgumentException with a readable, bounded reason when the bytes are not a JSON
   *     object with a known {@code type} and a {@code job_id} of {@link EventCodec#ID_RULE} (a
   *     poison record), or break {@link dev.editstream.core.Json#READ_LIMITS}
   */
  public static EventHead read(byte @Nullable [] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("record has no value");
    }
    EventType type = null;
    String jobId = null;
    Instant at = null;
    int replays = 0;
    String requestId = null;
    String modelId = null;
    String rule = null;
    Double cost = null;
    List<String> parts = List.of();
    try (JsonParser p = Json.mapper().getFactory().createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a job event: not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "type" -> type = t == JsonToken.VALUE_STRING ? type(p.getText()) : null;
          case "job_id" -> jobId = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "at" -> at = t == JsonToken.VALUE_STRING ? instant(p.getText()) : null;
          case "replays" -> replays = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
          case "submission" ->
              requestId = t == JsonToken.START_OBJECT ? stringField(p, "request_id") : skip(p);
          case "route" -> {
            if (t == JsonToken.START_OBJECT) {
              String[] r = twoFields(p, "model_id", "rule");
              modelId = r[0];
              rule = r[1];
            } else {
              skip(p);
            }
          }
          case "parts" -> parts = t == JsonToken.START_ARRAY ? requestIds(p) : skipParts(p);
          case "remote" ->
              cost = t == JsonToken.START_OBJECT ? numberField(p, "cost_usd") : skipNumber(p);
          default -> p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      String why =
          e instanceof com.fasterxml.jackson.core.JsonProcessingException j
              ? j.getOriginalMessage()
              : e.getMessage();
      throw new IllegalArgumentException(
          dev.editstream.core.Redact.clip(
              dev.editstream.core.Redact.text(
                  dev.editstream.core.Redact.clip("not a job event: " + why, 2_000)),
              EventCodec.MAX_REASON_CHARS),
          e);
    }
    if (type == null) {
      throw new IllegalArgumentException("not a job event: no known type");
    }
    if (jobId == null) {
      throw new IllegalArgumentException("not a job event: no job_id");
    }
    if (!jobId.matches(EventCodec.ID_RULE)) {
      throw new IllegalArgumentException(
          "not a job event: job_id must match " + EventCodec.ID_RULE);
    }
    return new EventHead(type, jobId, at, replays, requestId, modelId, rule, cost, parts);
  }

  /** The {@code request_id} of each object in the array the parser is at; consumes the array. */
  private static List<String> requestIds(JsonParser p) throws IOException {
    List<String> ids = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
      if (t == JsonToken.START_OBJECT) {
        String id = stringField(p, "request_id");
        if (id != null) {
          ids.add(id);
        }
      } else {
        p.skipChildren();
      }
    }
    return ids;
  }

  private static List<String> skipParts(JsonParser p) throws IOException {
    p.skipChildren();
    return List.of();
  }

  private static @Nullable Double skipNumber(JsonParser p) throws IOException {
    p.skipChildren();
    return null;
  }

  /**
   * The number value of {@code name} in the object the parser is at the start of; consumes the
   * object.
   */
  private static @Nullable Double numberField(JsonParser p, String name) throws IOException {
    Double out = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals(name)
          && (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT)) {
        out = p.getDoubleValue();
      } else {
        p.skipChildren();
      }
    }
    return out;
  }

  private static @Nullable EventType type(String text) {
    try {
      return EventType.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static @Nullable Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static @Nullable String skip(JsonParser p) throws IOException {
    p.skipChildren();
    return null;
  }

  /**
   * The string value of {@code name} in the object the parser is at the start of; consumes the
   * object.
   */
  private static @Nullable String stringField(JsonParser p, String name) throws IOException {
    return twoFields(p, name, null)[0];
  }

  private static @Nullable String[] twoFields(JsonParser p, String a, @Nullable String b)
      throws IOException {
    String[] out = new String[2];
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.VALUE_STRING && field.equals(a)) {
        out[0] = p.getText();
      } else if (t == JsonToken.VALUE_STRING && field.equals(b)) {
        out[1] = p.getText();
      } else {
        p.skipChildren();
      }
    }
    return out;
  }
}
