package dev.editstream.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.SchemaViolation;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Checks a request body against its model's input JSON Schema before it is paid for, so a body
 * RunComfy would refuse with 422 (class 65) fails here, with every broken rule named. Limits come
 * from the schemas in core's model catalog ({@code ../shared/docs/routing.md}). Pure.
 */
public final class BodyCheck {
  private BodyCheck() {}

  /**
   * @param catalog the model catalog holding the schemas
   * @param modelId a model_id known to the catalog
   * @param body the request body
   * @return the violations, sorted by field; empty when the body is valid
   * @throws IllegalArgumentException if the catalog does not know {@code modelId}
   */
  public static List<SchemaViolation> check(ModelCatalog catalog, String modelId, JsonNode body) {
    return catalog.check(modelId, body);
  }

  /**
   * The failure for a refused body: {@link ExitClass#DATA}, reason {@code schema}, message {@code
   * job <id>: body for <model> breaks its schema: <field>: <rule>; <field>: <rule>}.
   *
   * @param violations at least one violation (as {@link #check} returned)
   * @throws IllegalArgumentException if {@code violations} is empty
   */
  public static StageException toFailure(
      String jobId, String modelId, List<SchemaViolation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("a valid body is no failure");
    }
    String rules =
        violations.stream().map(SchemaViolation::describe).collect(Collectors.joining("; "));
    return new StageException(
        ExitClass.DATA,
        FailureReason.SCHEMA,
        "job " + jobId + ": body for " + modelId + " breaks its schema: " + rules);
  }

  /**
   * Checks a body and throws the failure when it breaks its schema.
   *
   * @throws StageException as {@link #toFailure} builds it, when there is at least one violation
   * @throws IllegalArgumentException if the catalog does not know {@code modelId}
   */
  public static void require(ModelCatalog catalog, String jobId, String modelId, JsonNode body) {
    List<SchemaViolation> v = check(catalog, modelId, body);
    if (!v.isEmpty()) {
      throw toFailure(jobId, modelId, v);
    }
  }
}
