package dev.editstream.router;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import dev.editstream.pipeline.stage.Outcome;
import dev.editstream.pipeline.stage.StageHandler;
import dev.editstream.runcomfy.RunComfyClient;
import java.time.Clock;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The router-worker's logic for one {@code requested} job: route it ({@link Router}), build the
 * model's body ({@link BodyBuilder}) with local inputs staged ({@link InputStager}), check the body
 * against the model's schema before paying for a call ({@link BodyCheck}, class 65 naming the
 * field), submit it ({@code POST {base}/models/{model_id}}) and publish {@code submitted} with the
 * decision, the body and the request_id.
 */
public final class RouterHandler implements StageHandler {
  private final Router router;
  private final ModelCatalog catalog;
  private final InputStager stager;
  private final RunComfyClient client;
  private final Topics topics;
  private final Clock clock;

  public RouterHandler(Router router, ModelCatalog catalog, InputStager stager, RunComfyClient client, Topics topics, Clock clock) {
    this.router = router;
    this.catalog = catalog;
    this.stager = stager;
    this.client = client;
    this.topics = topics;
    this.clock = clock;
  }

  /** A routed job with its checked body, ready to submit. */
  record Prepared(RouteDecision route, ObjectNode body) {}

  /**
   * Routes and builds the body without any HTTP call (used by the handler and by dry runs).
   *
   * @throws StageException class 65 for an unknown model or a body the schema refuses, 66 for a
   *     missing local file
   */
  Prepared prepare(JobEvent event) {
    RouteDecision route = router.route(event.job());
    ModelSpec spec = catalog.find(route.modelId()).orElseThrow(() -> new StageException(ExitClass.DATA, "unknown_model",
        "job " + event.jobId() + ": model_id " + route.modelId() + " is not in the catalog (known: "
            + String.join(", ", catalog.all().stream().map(ModelSpec::modelId).toList()) + ")"));
    ObjectNode body = BodyBuilder.build(event.job(), spec, ref -> stager.url(event.jobId(), ref));
    BodyCheck.require(catalog, event.jobId(), spec.modelId(), body);
    return new Prepared(route, body);
  }

  @Override
  public Mono<Outcome> handle(JobEvent event) {
    return Mono.fromCallable(() -> prepare(event))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(p -> client.submit(p.route().modelId(), p.body()).map(sr -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> sent = Json.mapper().convertValue(p.body(), Map.class);
          Submission s = new Submission(sr.requestId(), sr.statusUrl(), sr.resultUrl(), sr.cancelUrl(), clock.instant());
          return Outcome.publish(topics.submitted(), event.submitted(p.route(), sent, s, clock.instant()));
        }));
  }
}
