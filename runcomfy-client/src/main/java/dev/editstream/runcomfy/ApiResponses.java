package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jetbrains.annotations.Contract;
import org.jspecify.annotations.Nullable;

/**
 * Reads successful RunComfy answers (already parsed JSON) into records. Pure.
 *
 * <p>A body that is not a JSON object, or misses a required field, is a {@link StageException} of
 * class OTHER, reason {@code bad_response}. A missing or unrecognised {@code status} is not an
 * error here: the record carries it with phase {@link RequestPhase#UNKNOWN} and the poller decides
 * how many such answers it tolerates ({@code runcomfy-live-contract.md} §3: RunComfy's clients
 * disagree on the words, so a new one must not end a paid job at once).
 */
public final class ApiResponses {
  /** The longest status word kept (longer ones are cut, with {@code ...}; none is recognised). */
  static final int MAX_STATUS = 64;

  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d{1,3})?");

  private ApiResponses() {}

  /** The longest {@code request_id} accepted (RunComfy's are 36-character UUIDs). */
  public static final int MAX_REQUEST_ID = 256;

  /** The longest {@code status_url}, {@code result_url}, {@code cancel_url} kept. */
  static final int MAX_LINK = 2048;

  /**
   * Reads a submit answer; {@code request_id} is required and must be at most {@value
   * #MAX_REQUEST_ID} printable ASCII characters without spaces (else OTHER {@code bad_response}: it
   * is used in URL paths, Kafka records and file names); links longer than 2,048 characters or with
   * control characters are dropped.
   */
  public static SubmitResponse submit(JsonNode body) {
    String id = required(body, "request_id", "submit");
    if (!validRequestId(id)) {
      throw new StageException(
          ExitClass.OTHER,
          FailureReason.BAD_RESPONSE,
          "submit answer has an invalid request_id ("
              + id.length()
              + " characters; at most "
              + MAX_REQUEST_ID
              + " printable ASCII without spaces): "
              + SafeText.of(id, 64));
    }
    return new SubmitResponse(
        id, link(body, "status_url"), link(body, "result_url"), link(body, "cancel_url"));
  }

  /**
   * Reads a status answer {@code {request_id, status, queue_position?}}.
   *
   * @param fallbackId the id that was asked for, used when the body has no {@code request_id}
   * @return the status; its {@code status} word is kept as sent (clipped to 64 characters), its
   *     phase may be {@link RequestPhase#UNKNOWN}
   * @throws StageException OTHER {@code bad_response} when the body is not a JSON object
   */
  public static RequestStatus status(JsonNode body, String fallbackId) {
    object(body, "status");
    String status = statusWord(body);
    JsonNode qp = body.get("queue_position");
    Integer position =
        qp != null && qp.canConvertToInt() && qp.isIntegralNumber() ? qp.intValue() : null;
    return new RequestStatus(requestId(body, fallbackId), status, position);
  }

  /**
   * Reads a result answer {@code {request_id, status, output, created_at, finished_at, error,
   * cost?}}.
   *
   * @param fallbackId the id that was asked for, used when the body has no {@code request_id}
   * @return the result; its phase may be {@link RequestPhase#UNKNOWN}; {@code cost} is read by
   *     {@link #cost(JsonNode)}
   * @throws StageException OTHER {@code bad_response} when the body is not a JSON object
   */
  public static RequestResult result(JsonNode body, String fallbackId) {
    object(body, "result");
    return new RequestResult(
        requestId(body, fallbackId),
        statusWord(body),
        nullToNull(body.get("output")),
        text(body, "created_at"),
        text(body, "finished_at"),
        nullToNull(body.get("error")),
        cost(body.get("cost")),
        false);
  }

  /**
   * Reads RunComfy's {@code cost} field (USD; {@code runcomfy-live-contract.md} §3).
   *
   * @param cost the field's value, or {@code null}
   * @return the amount when it is a JSON number or a numeric string (trimmed), finite and &gt;= 0;
   *     else {@code null} (absent, {@code null}, an object, negative, not a number)
   */
  public static @Nullable Double cost(@Nullable JsonNode cost) {
    Double v = number(cost);
    return v != null && v >= 0 ? v : null;
  }

  /**
   * Reads a balance answer {@code {balance_usd, balance_microdollars, currency}} ({@code
   * runcomfy-live-contract.md} §3). Amounts may be JSON numbers or numeric strings.
   *
   * @return the balance; {@code balance_usd} wins, else {@code balance_microdollars / 1e6}
   * @throws StageException OTHER {@code bad_response} when the body is not a JSON object or has
   *     neither amount
   */
  public static Balance balance(JsonNode body) {
    object(body, "balance");
    Double usd = number(body.get("balance_usd"));
    Long micro = null;
    JsonNode m = body.get("balance_microdollars");
    if (m != null && m.isIntegralNumber() && m.canConvertToLong()) {
      micro = m.longValue();
    } else if (m != null && m.isTextual() && m.asText().trim().matches("-?\\d{1,18}")) {
      micro = Long.valueOf(m.asText().trim());
    }
    if (usd == null && micro == null) {
      throw new StageException(
          ExitClass.OTHER, FailureReason.BAD_RESPONSE, "balance answer has no balance_usd");
    }
    // one of the two is set (checked above)
    double balanceUsd = usd != null ? usd : Objects.requireNonNull(micro, "micro") / 1_000_000.0;
    return new Balance(balanceUsd, micro, text(body, "currency"));
  }

  /** Reads a cancel answer; {@code outcome} is required. */
  public static CancelOutcome cancel(JsonNode body, String fallbackId) {
    return new CancelOutcome(
        requestId(body, fallbackId), SafeText.of(required(body, "outcome", "cancel"), MAX_STATUS));
  }

  /**
   * Whether a {@code request_id} is safe to use: 1..{@value #MAX_REQUEST_ID} characters, each
   * printable ASCII ({@code !}..{@code ~}). Path characters are allowed ({@link ApiPaths} encodes
   * the id as one segment).
   */
  @Contract("null -> false")
  public static boolean validRequestId(@Nullable String id) {
    return id != null
        && !id.isEmpty()
        && id.length() <= MAX_REQUEST_ID
        && id.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }

  /** The body's {@code request_id} when valid, else the id that was asked for. */
  private static String requestId(JsonNode body, String fallbackId) {
    String id = text(body, "request_id");
    return validRequestId(id) ? id : fallbackId;
  }

  private static @Nullable String link(JsonNode body, String field) {
    String v = text(body, field);
    return v != null && v.length() <= MAX_LINK && v.chars().allMatch(c -> c > 0x20 && c < 0x7f)
        ? v
        : null;
  }

  /**
   * The {@code status} word as sent, escaped ({@link SafeText}) and clipped for messages; {@code
   * null} when absent or not a scalar.
   */
  private static @Nullable String statusWord(JsonNode body) {
    String status = text(body, "status");
    return status == null ? null : clip(status);
  }

  /**
   * A finite JSON number or decimal string (trimmed; sign and exponent allowed), else {@code null}.
   */
  private static @Nullable Double number(@Nullable JsonNode n) {
    double v;
    if (n == null || n.isNull()) {
      return null;
    } else if (n.isNumber()) {
      v = n.doubleValue();
    } else if (n.isTextual() && DECIMAL.matcher(n.asText().trim()).matches()) {
      v = Double.parseDouble(n.asText().trim());
    } else {
      return null;
    }
    return Double.isFinite(v) ? v : null;
  }

  private static void object(JsonNode body, String what) {
    if (body == null || !body.isObject()) {
      throw new StageException(
          ExitClass.OTHER, FailureReason.BAD_RESPONSE, what + " answer is not a JSON object");
    }
  }

  private static String required(JsonNode body, String field, String what) {
    object(body, what);
    String v = text(body, field);
    if (v == null || v.isEmpty()) {
      throw new StageException(
          ExitClass.OTHER, FailureReason.BAD_RESPONSE, what + " answer has no " + field);
    }
    return v;
  }

  private static @Nullable String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
  }

  private static @Nullable JsonNode nullToNull(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() ? null : n;
  }

  /**
   * Escaped ({@link SafeText}), at most {@value #MAX_STATUS} characters, with {@code ...} when cut.
   */
  static String clip(String s) {
    return SafeText.of(s, MAX_STATUS);
  }
}
