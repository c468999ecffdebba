package dev.editstream.router;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.editstream.core.Json;
import dev.editstream.core.Redact;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.runcomfy.RunComfyClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Reads RunComfy's catalog, the source of truth for ids, schemas and prices ({@code
 * runcomfy-live-contract.md} §3: {@code GET /v1/models?include_schema=true&limit=1..500&offset=}),
 * page by page; keeps a disk copy ({@link CatalogCache}); and falls back, saying so, to that copy
 * and then to the built-in snapshot when the API cannot be reached. Non-blocking except the cache's
 * file I/O, which runs on {@code boundedElastic}.
 */
public final class CatalogLoader {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogLoader.class);

  /** Entries per page: the largest {@code limit} RunComfy takes. */
  static final int PAGE = 500;

  /** Most pages read (a runaway {@code total} cannot loop forever): 100,000 models. */
  static final int MAX_PAGES = 200;

  private CatalogLoader() {}

  /**
   * Every entry of the live catalog, with schemas.
   *
   * @return the {@code models} entries in RunComfy's order; errors as the client's {@code
   *     StageException}s
   */
  public static Mono<ArrayNode> fetchLive(RunComfyClient client) {
    return fetchLive(client, PAGE);
  }

  /** As {@link #fetchLive(RunComfyClient)} with {@code pageSize} entries per call (1..500). */
  static Mono<ArrayNode> fetchLive(RunComfyClient client, int pageSize) {
    return Mono.defer(() -> page(client, pageSize, 0, Json.mapper().createArrayNode(), 0));
  }

  private static Mono<ArrayNode> page(
      RunComfyClient client, int pageSize, int offset, ArrayNode acc, int pages) {
    return client
        .models(null, null, null, true, pageSize, offset)
        .flatMap(
            doc -> {
              JsonNode models = doc.path("models");
              models.forEach(acc::add);
              int total = doc.path("total").asInt(acc.size());
              boolean more = models.size() > 0 && acc.size() < total && pages + 1 < MAX_PAGES;
              return more
                  ? page(client, pageSize, offset + models.size(), acc, pages + 1)
                  : Mono.just(acc);
            });
  }

  /**
   * The live catalog, written to {@code cache}; else the cached copy; else the built-in snapshot.
   * Every fallback is logged at WARN with its reason and age, and the result says its {@link
   * ModelCatalog#source()}.
   *
   * @param cache the disk copy, or {@code null} for none
   * @param timeout longest wait for the live catalog
   * @return never an error
   */
  public static Mono<ModelCatalog> load(
      RunComfyClient client, @Nullable CatalogCache cache, Clock clock, Duration timeout) {
    return fetchLive(client)
        .timeout(timeout)
        .flatMap(
            models -> {
              Instant now = clock.instant();
              ModelCatalog c = ModelCatalog.fromEntries(models, ModelCatalog.Source.LIVE, now);
              report(c);
              if (cache == null) {
                return Mono.just(c);
              }
              return Mono.fromCallable(
                      () -> {
                        cache.write(client.config().baseUrl(), models, now);
                        return c;
                      })
                  .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())
                  .onErrorResume(
                      e -> {
                        LOG.warn(
                            "model catalog: could not write its disk cache {}: {}",
                            cache.file(),
                            e.toString());
                        return Mono.just(c);
                      });
            })
        .onErrorResume(
            e ->
                Mono.fromCallable(
                        () -> fallback(cache, Redact.text(String.valueOf(e.getMessage())), clock))
                    .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()));
  }

  /** The cached copy, else the built-in snapshot, after a failed live read. */
  static ModelCatalog fallback(@Nullable CatalogCache cache, String why, Clock clock) {
    var cached = cache == null ? java.util.Optional.<CatalogCache.Cached>empty() : cache.read();
    if (cached.isPresent()) {
      ModelCatalog c =
          ModelCatalog.fromEntries(
              cached.get().document().path("models"),
              ModelCatalog.Source.CACHE,
              cached.get().fetchedAt());
      LOG.warn(
          "model catalog: RunComfy's live catalog could not be read ({}); using the disk copy of {} ({} old, {} models)",
          why,
          c.fetchedAt(),
          age(c.fetchedAt(), clock),
          c.all().size());
      report(c);
      return c;
    }
    ModelCatalog c = ModelCatalog.builtIn();
    LOG.warn(
        "model catalog: RunComfy's live catalog could not be read ({}) and there is no disk copy; using editstream's built-in "
            + "snapshot of {} ({} models; its prices are estimates)",
        why,
        c.fetchedAt(),
        c.all().size());
    return c;
  }

  private static void report(ModelCatalog c) {
    c.problems()
        .forEach(
            (id, why) ->
                LOG.warn(
                    "model catalog: the input_schema of {} could not be understood ({}); jobs for it fail "
                        + "with class 65 schema_unusable, never with a stale schema",
                    id,
                    why));
    if (c.source() == ModelCatalog.Source.LIVE) {
      LOG.info("model catalog: {} models read from RunComfy", c.all().size() + c.problems().size());
    }
  }

  /** {@code 3 h 12 min}. */
  static String age(Instant then, Clock clock) {
    Duration d = Duration.between(then, clock.instant());
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    return d.toDays() > 0
        ? d.toDays() + " d " + d.toHoursPart() + " h"
        : d.toHours() + " h " + d.toMinutesPart() + " min";
  }
}
