package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.editstream.core.model.ModelCatalog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Issue 11, point 1: the live catalog read again every {@code --catalog-refresh-min}, in virtual
 * time.
 */
class CatalogRefreshTest {
  @Test
  void shouldReadTheCatalogAtEveryIntervalCacheEachAnswerAndSkipAFailedRead() throws Exception {
    ArrayNode entries = ModelsCommandTest.snapshotEntries();
    AtomicInteger reads = new AtomicInteger();
    // the second read fails (RunComfy down for a moment): skipped, the third answers again
    Mono<JsonNode> fetch =
        Mono.defer(
            () ->
                reads.incrementAndGet() == 2
                    ? Mono.<JsonNode>error(new IllegalStateException("HTTP 503"))
                    : Mono.just((JsonNode) entries));
    List<Instant> cached = new CopyOnWriteArrayList<>();

    StepVerifier.withVirtualTime(
            () ->
                Pipeline.catalogRefreshes(
                        fetch,
                        Duration.ofMinutes(60),
                        Schedulers.parallel(),
                        (models, at) -> cached.add(at))
                    .take(2))
        .expectSubscription()
        .expectNoEvent(Duration.ofMinutes(59))
        .thenAwait(Duration.ofMinutes(1))
        .assertNext(
            c -> {
              assertThat(c.source()).isEqualTo(ModelCatalog.Source.LIVE);
              assertThat(c.all()).hasSize(ModelCatalog.builtIn().all().size());
              assertThat(reads.get()).isEqualTo(1);
            })
        .thenAwait(Duration.ofMinutes(60))
        .expectNoEvent(Duration.ofMinutes(59))
        .thenAwait(Duration.ofMinutes(1))
        .assertNext(c -> assertThat(reads.get()).isEqualTo(3))
        .verifyComplete();
    assertThat(cached).hasSize(2);
    assertThat(Duration.between(cached.get(0), cached.get(1))).isEqualTo(Duration.ofMinutes(120));
  }
}
