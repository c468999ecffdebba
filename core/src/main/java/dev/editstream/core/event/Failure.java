package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.editstream.core.error.ExitClass;
import java.io.IOException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Why a job ended on the failure topic.
 *
 * <p>Wire shape: {@code {"exit_class":"DATA", "reason":"schema", "message", "stage", "attempts"}}
 * (envelope version 2: the class by name); version 1 wrote {@code "exit_class":65}, which still
 * reads. {@code reason} is {@link #reasonText()}.
 *
 * @param exitClass the class of the failure
 * @param reason the machine reason; {@link FailureReason#UNKNOWN} for a text this build does not
 *     know
 * @param message readable message naming the field, status or rule; secrets removed
 * @param stage the stage that gave up
 * @param attempts how many attempts the stage made, &gt;= 1
 * @param reasonText the reason's exact wire text, e.g. {@code http_503_500001} for {@link
 *     FailureReason#HTTP}; {@code null} in the constructor means {@code reason.wire()}
 */
@JsonSerialize(using = Failure.Writer.class)
public record Failure(
    ExitClass exitClass,
    FailureReason reason,
    @Nullable String message,
    Stage stage,
    int attempts,
    String reasonText) {

  /**
   * @throws NullPointerException naming {@code exit_class} or {@code reason} when absent
   */
  public Failure {
    Objects.requireNonNull(exitClass, "exit_class");
    if (reason == null) {
      Objects.requireNonNull(reasonText, "reason");
      reason = FailureReason.fromWire(reasonText);
    }
    if (reasonText == null) {
      reasonText = reason.wire();
    }
  }

  /** A failure whose wire text is the reason's own. */
  public Failure(
      ExitClass exitClass,
      FailureReason reason,
      @Nullable String message,
      Stage stage,
      int attempts) {
    this(
        exitClass,
        reason,
        message,
        stage,
        attempts,
        Objects.requireNonNull(reason, "reason").wire());
  }

  /**
   * A failure read from (or passed on as) its wire text, e.g. {@code http_429_100429} or a reason
   * of another producer.
   */
  public Failure(
      ExitClass exitClass, String reasonText, @Nullable String message, Stage stage, int attempts) {
    this(
        exitClass,
        FailureReason.fromWire(Objects.requireNonNull(reasonText, "reason")),
        message,
        stage,
        attempts,
        reasonText);
  }

  /** Reads both event versions: {@code exit_class} as a name or a code. */
  @JsonCreator
  static Failure json(
      @JsonProperty("exit_class") ExitClass exitClass,
      @JsonProperty("reason") String reason,
      @JsonProperty("message") @Nullable String message,
      @JsonProperty("stage") Stage stage,
      @JsonProperty("attempts") int attempts) {
    return new Failure(exitClass, reason, message, stage, attempts);
  }

  /** The same failure with another message. */
  public Failure withMessage(@Nullable String newMessage) {
    return new Failure(exitClass, reason, newMessage, stage, attempts, reasonText);
  }

  /** Writes the version 2 shape. */
  static final class Writer extends StdSerializer<Failure> {
    private static final long serialVersionUID = 1L;

    Writer() {
      super(Failure.class);
    }

    @Override
    public void serialize(Failure f, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeStartObject();
      g.writeStringField("exit_class", f.exitClass().name());
      g.writeStringField("reason", f.reasonText());
      g.writeStringField("message", f.message());
      g.writeStringField("stage", f.stage() == null ? null : f.stage().wire());
      g.writeNumberField("attempts", f.attempts());
      g.writeEndObject();
    }
  }
}
