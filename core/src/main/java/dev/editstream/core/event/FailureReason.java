package dev.editstream.core.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.editstream.core.error.ExitClass;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Every machine reason a stage, the producer or a command gives for a failed attempt or a failed
 * job, with its wire name (the {@code reason} field of a {@link Failure} or {@link Attempt} on
 * Kafka, unchanged since envelope version 1) and its usual {@link ExitClass}.
 *
 * <p>Decisions on a reason (a 429 slows the stage, an uncertain submit is not replayed) use these
 * constants, never the text. Two reasons are families whose wire text carries a detail: {@link
 * #HTTP_429} ({@code http_429} or {@code http_429_<error_code>}) and {@link #HTTP} (any other
 * {@code http_<status>} or {@code http_<status>_<error_code>}); the exact text travels beside the
 * constant ({@link Failure#reasonText()}, {@link
 * dev.editstream.core.error.StageException#reasonText()}).
 *
 * <p>{@link #fromWire} never throws: a reason written by an older build or another producer reads
 * as {@link #UNKNOWN}, and its text is kept.
 */
public enum FailureReason {
  // --- the job, its line and its inputs (65 / 66) ---
  /** A job line broke the producer's rules (65; 66 for a missing local input). */
  INVALID_LINE("invalid_line", ExitClass.DATA),
  /** A record of a stage's input topic could not be decoded (a poison record). */
  UNDECODABLE("undecodable", ExitClass.DATA),
  /** An event did not fit a Kafka record ({@link RecordLimits}). */
  RECORD_TOO_LARGE("record_too_large", ExitClass.DATA),
  /** Kafka refused an event for another non-retriable reason. */
  RECORD_REFUSED("record_refused", ExitClass.DATA),
  /** The request body broke the model's input schema. */
  SCHEMA("schema", ExitClass.DATA),
  /** RunComfy's input schema of the model could not be understood. */
  SCHEMA_UNUSABLE("schema_unusable", ExitClass.DATA),
  /** The job named a model that is not in RunComfy's catalog. */
  UNKNOWN_MODEL("unknown_model", ExitClass.DATA),
  /** The routing table named a model that is not in RunComfy's catalog. */
  MODEL_UNAVAILABLE("model_unavailable", ExitClass.DATA),
  /** The prompt's language is covered by no model of the route. */
  UNCOVERED_LANGUAGE("uncovered_language", ExitClass.DATA),
  /** The job's inputs do not match what the model takes. */
  INPUT_MISMATCH("input_mismatch", ExitClass.DATA),
  /** An input broke a rule of the chosen model. */
  INPUT_RULE("input_rule", ExitClass.DATA),
  /** An input file or mask is larger than allowed. */
  INPUT_TOO_LARGE("input_too_large", ExitClass.DATA),
  /** An input file is not of a type the model takes. */
  INPUT_TYPE("input_type", ExitClass.DATA),
  /** A local input lies outside the allowed folders. */
  INPUT_NOT_ALLOWED("input_not_allowed", ExitClass.DATA),
  /** A local input file does not exist (66). */
  INPUT_MISSING("input_missing", ExitClass.NO_INPUT),
  /** A local input file cannot be read (66). */
  INPUT_UNREADABLE("input_unreadable", ExitClass.NO_INPUT),
  /** A local input with no store to stage it to. */
  LOCAL_INPUT("local_input", ExitClass.DATA),
  /** The job's input URLs lost their signatures (a replay of a redacted job). */
  INPUTS_REDACTED(JobEvent.INPUTS_REDACTED, ExitClass.DATA),
  /** The mask or its parameters are unusable. */
  MASK("mask", ExitClass.DATA),
  // --- RunComfy answers and the transport (69 / 75 / 1) ---
  /**
   * RunComfy answered 429 (rate limited), wire {@code http_429} or {@code http_429_<error_code>}.
   */
  HTTP_429("http_429", ExitClass.TEMPFAIL),
  /**
   * Any other HTTP status, wire {@code http_<status>} or {@code http_<status>_<error_code>}; the
   * class follows the status ({@link dev.editstream.core.error.HttpErrorClassifier}).
   */
  HTTP("http", ExitClass.OTHER),
  /** An answer of the API could not be read. */
  BAD_RESPONSE("bad_response", ExitClass.OTHER),
  /** An answer of the API was larger than allowed. */
  RESPONSE_TOO_LARGE("response_too_large", ExitClass.OTHER),
  /** A call timed out. */
  TIMEOUT("timeout", ExitClass.TEMPFAIL),
  /** The connection could not be made. */
  CONNECT_FAILED("connect_failed", ExitClass.UNAVAILABLE),
  /** The connection was reset. */
  CONNECTION_RESET("connection_reset", ExitClass.UNAVAILABLE),
  /** The TLS handshake failed. */
  TLS_HANDSHAKE("tls_handshake", ExitClass.UNAVAILABLE),
  /** Another TLS failure. */
  TLS("tls", ExitClass.OTHER),
  /** The host name did not resolve. */
  UNKNOWN_HOST("unknown_host", ExitClass.UNAVAILABLE),
  /** Another network failure. */
  NETWORK("network", ExitClass.OTHER),
  /** A failure the transport classifier does not know. */
  UNEXPECTED("unexpected", ExitClass.OTHER),
  /** No API token was found. */
  NO_TOKEN("no_token", ExitClass.NOPERM),
  /** The token file is readable by others. */
  TOKEN_FILE_PERMISSIONS("token_file_permissions", ExitClass.NOPERM),
  /** The token file cannot be read. */
  TOKEN_FILE_UNREADABLE("token_file_unreadable", ExitClass.NOPERM),
  /** The RunComfy balance is too low. */
  NO_BALANCE("no_balance", ExitClass.NOPERM),
  // --- the router's submit and the poller (75 / 1) ---
  /** The spending budget is used up. */
  BUDGET("budget", ExitClass.TEMPFAIL),
  /** A submit failed in a way that may have created a (paid) request: not replayed blindly. */
  MAY_HAVE_BEEN_SUBMITTED("may_have_been_submitted", ExitClass.TEMPFAIL),
  /** The job's deadline passed. */
  DEADLINE("deadline", ExitClass.TEMPFAIL),
  /**
   * The deadline passed and the remote request could not be cancelled: it may still run and cost.
   */
  DEADLINE_NOT_CANCELLABLE("deadline_not_cancellable", ExitClass.TEMPFAIL),
  /** An event that should carry a RunComfy request id has none. */
  NO_REQUEST_ID("no_request_id", ExitClass.DATA),
  /** RunComfy answered a status editstream does not know. */
  UNKNOWN_STATUS("unknown_status", ExitClass.OTHER),
  /** The remote request failed. */
  REMOTE_FAILED("remote_failed", ExitClass.OTHER),
  /** The remote request was cancelled. */
  REMOTE_CANCELLED("remote_cancelled", ExitClass.OTHER),
  /** The finished request named no outputs. */
  NO_OUTPUTS("no_outputs", ExitClass.OTHER),
  /** The job was cancelled before it was submitted ({@code editstream cancel} or Ctrl-C). */
  CANCELLED("cancelled", ExitClass.TEMPFAIL),
  // --- downloads and local files ---
  /** No output URL passed the download rules. */
  NO_ALLOWED_OUTPUTS("no_allowed_outputs", ExitClass.DATA),
  /** An output URL was refused (scheme, host or rule). */
  REFUSED_URL("refused_url", ExitClass.DATA),
  /** An output host resolved to a refused address. */
  REFUSED_ADDRESS("refused_address", ExitClass.DATA),
  /** A download followed too many redirects. */
  TOO_MANY_REDIRECTS("too_many_redirects", ExitClass.DATA),
  /** A download was larger than allowed. */
  TOO_LARGE("too_large", ExitClass.DATA),
  /** A download's headers were larger than allowed. */
  HEADER_TOO_LARGE("header_too_large", ExitClass.DATA),
  /** A download ended early. */
  TRUNCATED("truncated", ExitClass.TEMPFAIL),
  /** The downloads did not finish in time. */
  DOWNLOAD_DEADLINE("download_deadline", ExitClass.TEMPFAIL),
  /** The disk is full. */
  DISK_FULL("disk_full", ExitClass.TEMPFAIL),
  /** Writing a downloaded file failed. */
  DISK("disk", ExitClass.TEMPFAIL),
  /** Another local file error. */
  LOCAL_IO("local_io", ExitClass.OTHER),
  /** An output file of another job is already at the path. */
  OUTPUT_CONFLICT("output_conflict", ExitClass.DATA),
  // --- object storage (staging inputs) ---
  /** The object store settings are unusable. */
  STORAGE_CONFIG("storage_config", ExitClass.USAGE),
  /** The store refused the credentials. */
  STORAGE_DENIED("storage_denied", ExitClass.NOPERM),
  /** The bucket does not exist. */
  STORAGE_NO_BUCKET("storage_no_bucket", ExitClass.NOPERM),
  /** No credentials for the store. */
  STORAGE_NO_CREDENTIALS("storage_no_credentials", ExitClass.NOPERM),
  /** No such object. */
  STORAGE_NOT_FOUND("storage_not_found", ExitClass.DATA),
  /** The store refused the request. */
  STORAGE_REJECTED("storage_rejected", ExitClass.DATA),
  /** The store does not support a feature used. */
  STORAGE_UNSUPPORTED("storage_unsupported", ExitClass.DATA),
  /** The store timed out. */
  STORAGE_TIMEOUT("storage_timeout", ExitClass.TEMPFAIL),
  /** The store is unavailable. */
  STORAGE_UNAVAILABLE("storage_unavailable", ExitClass.UNAVAILABLE),
  /** Another storage failure. */
  STORAGE_ERROR("storage_error", ExitClass.OTHER),
  /** The file to upload does not exist. */
  NO_INPUT("no_input", ExitClass.NO_INPUT),
  // --- the rest ---
  /** An internal error of a stage (a bug). */
  INTERNAL("internal", ExitClass.OTHER),
  /**
   * A reason this build does not know (an older build or another producer wrote it); its text is
   * kept beside.
   */
  UNKNOWN("unknown", ExitClass.OTHER);

  private static final Map<String, FailureReason> BY_WIRE = new HashMap<>();
  private static final Pattern HTTP_429_TEXT = Pattern.compile("http_429(_\\d{1,9})?");
  private static final Pattern HTTP_TEXT = Pattern.compile("http_\\d{3}(_\\d{1,9})?");

  static {
    for (FailureReason r : values()) {
      BY_WIRE.put(r.wire, r);
    }
  }

  private final String wire;
  private final ExitClass exitClass;

  FailureReason(String wire, ExitClass exitClass) {
    this.wire = wire;
    this.exitClass = exitClass;
  }

  /** The wire name, e.g. {@code may_have_been_submitted}; for a family ({@link #HTTP}) its stem. */
  @JsonValue
  public String wire() {
    return wire;
  }

  /** The wire name ({@link #wire()}), so a reason reads in messages as it does on the wire. */
  @Override
  public String toString() {
    return wire;
  }

  /**
   * The exit class this reason usually comes with; a site may give another (e.g. a 5xx {@link
   * #HTTP} is 69).
   */
  public ExitClass exitClass() {
    return exitClass;
  }

  /**
   * The reason a wire text names: an exact wire name, {@code http_429[_<code>]} as {@link
   * #HTTP_429}, another {@code http_<status>[_<code>]} as {@link #HTTP}, anything else (and {@code
   * null}) as {@link #UNKNOWN}. Never throws.
   *
   * @param text a {@code reason} read from an event or set by a stage
   */
  @JsonCreator
  public static FailureReason fromWire(@Nullable String text) {
    if (text == null) {
      return UNKNOWN;
    }
    FailureReason r = BY_WIRE.get(text);
    if (r != null) {
      return r;
    }
    if (HTTP_429_TEXT.matcher(text).matches()) {
      return HTTP_429;
    }
    if (HTTP_TEXT.matcher(text).matches()) {
      return HTTP;
    }
    return UNKNOWN;
  }

  /**
   * The wire text of an HTTP failure: {@code http_<status>} or {@code http_<status>_<error_code>}
   * ({@link #fromWire} of it is {@link #HTTP_429} or {@link #HTTP}).
   *
   * @param status the HTTP status, 100..599
   * @param errorCode RunComfy's {@code error_code}, or {@code null}
   */
  public static String httpText(int status, @Nullable Integer errorCode) {
    return errorCode == null ? "http_" + status : "http_" + status + "_" + errorCode;
  }
}
