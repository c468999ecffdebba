package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.editstream.core.error.ExitClass;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One failed attempt of a stage, kept on the event so the final {@code failed} event shows every
 * attempt.
 *
 * <p>Wire shape: {@code {"stage", "exit_class":"TEMPFAIL", "reason":"http_429", "message", "at"}}
 * (envelope version 2); version 1 wrote {@code "exit_class":75}, which still reads.
 *
 * @param stage where it failed
 * @param exitClass the class of the failure
 * @param reason the machine reason; {@link FailureReason#UNKNOWN} for a text this build does not
 *     know
 * @param message readable message, secrets removed
 * @param at when it failed
 * @param reasonText the reason's exact wire text, e.g. {@code http_503}; {@code null} in the
 *     constructor means {@code reason.wire()}
 */
@JsonSerialize(using = Attempt.Writer.class)
public record Attempt(
    Stage stage,
    ExitClass exitClass,
    FailureReason reason,
    @Nullable String message,
    Instant at,
    String reasonText) {

  /**
   * @throws NullPointerException naming {@code exit_class} or {@code reason} when absent
   */
  public Attempt {
    Objects.requireNonNull(exitClass, "exit_class");
    if (reason == null) {
      Objects.requireNonNull(reasonText, "reason");
      reason = FailureReason.fromWire(reasonText);
    }
    if (reasonText == null) {
      reasonText = reason.wire();
    }
  }

  /** An attempt whose wire text is the reason's own. */
  public Attempt(
      Stage stage,
      ExitClass exitClass,
      FailureReason reason,
      @Nullable String message,
      Instant at) {
    this(stage, exitClass, reason, message, at, Objects.requireNonNull(reason, "reason").wire());
  }

  /** An attempt from its reason's wire text (e.g. {@code http_503_500001}). */
  public Attempt(
      Stage stage, ExitClass exitClass, String reasonText, @Nullable String message, Instant at) {
    this(
        stage,
        exitClass,
        FailureReason.fromWire(Objects.requireNonNull(reasonText, "reason")),
        message,
        at,
        reasonText);
  }

  /** Reads both event versions: {@code exit_class} as a name or a code. */
  @JsonCreator
  static Attempt json(
      @JsonProperty("stage") Stage stage,
      @JsonProperty("exit_class") ExitClass exitClass,
      @JsonProperty("reason") String reason,
      @JsonProperty("message") @Nullable String message,
      @JsonProperty("at") Instant at) {
    return new Attempt(stage, exitClass, reason, message, at);
  }

  /** The same attempt with another message. */
  public Attempt withMessage(@Nullable String newMessage) {
    return new Attempt(stage, exitClass, reason, newMessage, at, reasonText);
  }

  /** Writes the version 2 shape. */
  static final class Writer extends StdSerializer<Attempt> {
    private static final long serialVersionUID = 1L;

    Writer() {
      super(Attempt.class);
    }

    @Override
    public void serialize(Attempt a, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeStartObject();
      g.writeStringField("stage", a.stage() == null ? null : a.stage().wire());
      g.writeStringField("exit_class", a.exitClass().name());
      g.writeStringField("reason", a.reasonText());
      g.writeStringField("message", a.message());
      g.writeFieldName("at");
      p.defaultSerializeValue(a.at(), g);
      g.writeEndObject();
    }
  }
}
