package dev.editstream.emulator;

import java.util.Locale;

/** The endpoint families counted by {@link EmulatorStats#calls()}, named as in the stats JSON. */
public enum Endpoint {
  /** {@code POST /v1/models/{model_id}} */
  SUBMIT,
  /** {@code GET /v1/requests/{id}/status} */
  STATUS,
  /** {@code GET /v1/requests/{id}/result} */
  RESULT,
  /** {@code POST /v1/requests/{id}/cancel} */
  CANCEL,
  /**
   * {@code GET /v1/models}, {@code GET /v1/models/categories} and {@code GET /v1/models/{model_id}}
   */
  MODELS,
  /** {@code GET /prod/v2/balance} */
  BALANCE,
  /** {@code GET /files/{request_id}/{name}} */
  FILES,
  /** {@code GET /_emulator/blob/{bytes}} */
  BLOB,
  /** {@code GET /_emulator/stats} and {@code /_emulator/blob-url} */
  CONTROL,
  /** anything else (404, 405) */
  OTHER;

  /** The endpoint a route addresses. */
  public static Endpoint of(Route route) {
    if (route instanceof Route.Submit) {
      return SUBMIT;
    }
    if (route instanceof Route.Status) {
      return STATUS;
    }
    if (route instanceof Route.Result) {
      return RESULT;
    }
    if (route instanceof Route.Cancel) {
      return CANCEL;
    }
    if (route instanceof Route.ListModels
        || route instanceof Route.GetModel
        || route instanceof Route.ListCategories) {
      return MODELS;
    }
    if (route instanceof Route.Balance) {
      return BALANCE;
    }
    if (route instanceof Route.OutputFile) {
      return FILES;
    }
    if (route instanceof Route.Blob) {
      return BLOB;
    }
    if (route instanceof Route.Stats || route instanceof Route.BlobUrl) {
      return CONTROL;
    }
    return OTHER;
  }

  /** The lower-case name used in JSON. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
