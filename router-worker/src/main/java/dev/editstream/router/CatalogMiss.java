package dev.editstream.router;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import java.util.List;
import java.util.Locale;

/**
 * The class-65 failure of a job whose model the catalog cannot give: an unknown id ({@code
 * unknown_model}, with up to three close ids), a routing target missing from the live catalog
 * ({@code model_unavailable}) or a model whose live schema could not be understood ({@code
 * schema_unusable}, naming what). The message says which catalog was read (live, cache or built-in,
 * and when). Pure.
 */
final class CatalogMiss {
  private CatalogMiss() {}

  /**
   * @param jobId the job
   * @param role {@code model} for an id the job named, {@code routing target} for the table's
   * @param modelId the id that was not found
   */
  static StageException of(ModelCatalog catalog, String jobId, String role, String modelId) {
    String where =
        " (catalog: "
            + catalog.source().wire()
            + ", read "
            + catalog.fetchedAt()
            + ", "
            + catalog.all().size()
            + " models)";
    String problem = catalog.problems().get(modelId);
    if (problem != null) {
      return new StageException(
          ExitClass.DATA,
          FailureReason.SCHEMA_UNUSABLE,
          "job "
              + jobId
              + ": "
              + role
              + " "
              + modelId
              + ": RunComfy's input_schema for it could not be understood ("
              + problem
              + "); not submitted"
              + where);
    }
    List<String> close = close(catalog, modelId);
    String hint =
        close.isEmpty()
            ? "; `editstream models --search <part of the id>` lists the catalog"
            : "; did you mean " + String.join(", ", close) + "?";
    FailureReason reason =
        role.equals("model") ? FailureReason.UNKNOWN_MODEL : FailureReason.MODEL_UNAVAILABLE;
    return new StageException(
        ExitClass.DATA,
        reason,
        "job "
            + jobId
            + ": "
            + role
            + " "
            + modelId
            + " is not in RunComfy's catalog"
            + where
            + hint);
  }

  /** Ids sharing the wanted id's last two path segments (any spelling), at most three. */
  static List<String> close(ModelCatalog catalog, String wanted) {
    String[] parts = ModelCatalog.spelling(wanted).split("/");
    String tail =
        parts.length >= 2
            ? parts[parts.length - 2] + "/" + parts[parts.length - 1]
            : parts[parts.length - 1];
    String head = parts[0].toLowerCase(Locale.ROOT);
    return catalog.all().stream()
        .map(ModelSpec::modelId)
        .filter(
            id ->
                ModelCatalog.spelling(id).endsWith(tail)
                    || ModelCatalog.spelling(id).startsWith(head + "/"))
        .limit(3)
        .toList();
  }
}
