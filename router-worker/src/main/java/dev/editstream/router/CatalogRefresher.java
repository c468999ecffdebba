package dev.editstream.router;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.runcomfy.RunComfyClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Refreshes the models' input schemas from RunComfy's catalog where it is reachable: {@code GET
 * {base}/models/{model_id}} answers the catalog entry with its {@code input_schema} (RunComfy's
 * model API; the emulator serves the same). The built-in schemas (core's data files) stay for any
 * model whose entry cannot be read, so a catalog outage never stops routing. Non-blocking.
 */
public final class CatalogRefresher {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogRefresher.class);

  /** How many catalog entries are read at once. */
  static final int CONCURRENCY = 4;

  private CatalogRefresher() {}

  /**
   * Reads every model of {@code base} from the catalog and replaces its schema with the {@code
   * input_schema} object of the answer ({@link ModelCatalog#withSchema}). A model whose call fails
   * (any HTTP or transport error), whose answer has no {@code input_schema} object, or whose schema
   * the validator refuses keeps its built-in schema; the reason is logged at debug level.
   *
   * @param client the RunComfy client (its base URL decides real RunComfy or the emulator)
   * @param base the catalog to refresh, usually {@link ModelCatalog#builtIn()}
   * @return the refreshed catalog; never an error
   */
  public static Mono<ModelCatalog> refresh(RunComfyClient client, ModelCatalog base) {
    return Flux.fromIterable(base.all())
        .map(ModelSpec::modelId)
        .flatMapSequential(id -> client.model(id)
            .map(entry -> new Fetched(id, entry.get("input_schema")))
            .onErrorResume(e -> {
              LOG.debug("catalog entry of {} not read, keeping the built-in schema: {}", id, e.getMessage());
              return Mono.empty();
            }), CONCURRENCY)
        .reduce(base, CatalogRefresher::apply);
  }

  private record Fetched(String modelId, JsonNode schema) {}

  private static ModelCatalog apply(ModelCatalog catalog, Fetched f) {
    if (f.schema() == null || !f.schema().isObject()) {
      LOG.debug("catalog entry of {} has no input_schema object, keeping the built-in schema", f.modelId());
      return catalog;
    }
    try {
      return catalog.withSchema(f.modelId(), f.schema());
    } catch (RuntimeException e) {
      LOG.debug("input_schema of {} refused ({}), keeping the built-in schema", f.modelId(), e.getMessage());
      return catalog;
    }
  }
}
