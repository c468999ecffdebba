package dev.editstream.emulator;

/**
 * What {@code GET /v1/requests/{id}/result} answers while the job is queued or running (config
 * {@link EmulatorConfig#resultBeforeCompletion()}).
 */
public enum ResultBeforeCompletion {
  /**
   * HTTP 400 {@code {"error_code": 400005, "error_message": "result not ready"}}: today's RunComfy
   * (runcomfy-live-contract.md §3, RunComfy's Zapier tests). The default.
   */
  ERROR,
  /**
   * HTTP 200 with the current state {@code {"request_id", "status"}}: what RunComfy's model pages
   * describe and the shared example {@code result-not-finished.json} documents.
   */
  STATE;

  /**
   * Reads a config value, case ignored: {@code error} or {@code state}.
   *
   * @throws IllegalArgumentException for another value
   */
  public static ResultBeforeCompletion parse(String value) {
    for (ResultBeforeCompletion r : values()) {
      if (r.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return r;
      }
    }
    throw new IllegalArgumentException("must be error or state, was '" + value + "'");
  }
}
