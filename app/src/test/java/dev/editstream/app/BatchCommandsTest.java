package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;
import dev.editstream.core.job.Job;
import java.io.StringReader;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The pure parts of status, list, cancel and Ctrl-C. */
class BatchCommandsTest {
  static final Instant NOW = JobFoldTest.T0.plusSeconds(600);

  static Job job(String id) {
    return JobFoldTest.job(id, "grey paper");
  }

  static JobFold queued(String id) {
    return JobFold.of(JobEvent.requested(job(id), JobFoldTest.T0));
  }

  static JobFold submitted(String id, int minute) {
    List<JobEvent> r = JobFoldTest.run(job(id), 0, true, minute);
    return JobFoldTest.fold(List.of(r.get(0), r.get(1)));
  }

  static JobFold completed(String id) {
    List<JobEvent> r = JobFoldTest.run(job(id), 0, true, 0);
    return JobFoldTest.fold(List.of(r.get(0), r.get(1), r.get(2)));
  }

  static JobFold done(String id, Double cost) {
    List<JobEvent> r = JobFoldTest.run(job(id), 0, true, 0);
    JobEvent d =
        r.get(2)
            .completed(
                List.of("https://cdn.runcomfy.net/o.png"),
                cost == null ? null : dev.editstream.core.event.RemoteRun.cost(cost),
                r.get(2).at())
            .done(List.of(), r.get(3).at());
    return JobFoldTest.fold(List.of(r.get(0), r.get(1), d));
  }

  static JobFold failed(String id, String reason) {
    List<JobEvent> r = JobFoldTest.run(job(id), 0, true, 0);
    return JobFoldTest.fold(
        List.of(
            r.get(0),
            r.get(1),
            r.get(2)
                .failed(
                    new Failure(
                        ExitClass.OTHER, reason, "job " + id + ": it broke", Stage.POLLER, 1),
                    r.get(2).at())));
  }

  @Test
  void shouldNameEveryStateOfAJob() {
    assertThat(BatchCommands.state(queued("a"))).isEqualTo("queued");
    assertThat(BatchCommands.state(submitted("a", 0))).isEqualTo("in_flight");
    assertThat(BatchCommands.state(completed("a"))).isEqualTo("downloading");
    assertThat(BatchCommands.state(done("a", 0.04))).isEqualTo("done");
    assertThat(BatchCommands.state(failed("a", "remote_failed"))).isEqualTo("failed");
  }

  @Test
  void shouldCountTheSameStatusInWhateverOrderTheJobsAreVisited() {
    // two jobs in flight equally long without news: the oldest is the id that sorts first, as a
    // visit of the store (key order) and of a hash map must agree
    List<Map.Entry<String, JobFold>> jobs =
        new java.util.ArrayList<>(
            List.of(
                Map.entry("b-tie", submitted("b-tie", 2)),
                Map.entry("a-tie", submitted("a-tie", 2)),
                Map.entry("d1", done("d1", 0.04)),
                Map.entry("f", failed("f", "remote_failed"))));
    ObjectNode expected = null;
    for (int rotation = 0; rotation < jobs.size(); rotation++) {
      java.util.Collections.rotate(jobs, 1);
      for (boolean reversed : new boolean[] {false, true}) {
        List<Map.Entry<String, JobFold>> order = new java.util.ArrayList<>(jobs);
        if (reversed) {
          java.util.Collections.reverse(order);
        }
        BatchCommands.Status.Tally t = new BatchCommands.Status.Tally();
        order.forEach(e -> t.add(e.getKey(), e.getValue()));
        ObjectNode s = t.toJson(null, NOW);
        if (expected == null) {
          expected = s;
          assertThat(s.path("jobs").asInt()).isEqualTo(4);
          assertThat(s.path("states").path("in_flight").asInt()).isEqualTo(2);
          assertThat(s.path("oldest_in_flight").path("job_id").asText()).isEqualTo("a-tie");
        }
        assertThat(s).as("visit order %s", order).isEqualTo(expected);
      }
    }
  }

  @Test
  void shouldCountAStatusPerStateAndModelWithCostEtaAndTheOldestJobInFlight() {
    Map<String, JobFold> folds =
        new TreeMap<>(
            Map.of(
                "q",
                queued("q"),
                "old",
                submitted("old", 1),
                "new",
                submitted("new", 5),
                "d1",
                done("d1", 0.04),
                "d2",
                done("d2", null),
                "f",
                failed("f", "remote_failed")));
    ObjectNode progress =
        Json.mapper().createObjectNode().put("jobs_per_s", 0.5).put("paused", "no balance");

    ObjectNode s = BatchCommands.Status.status(folds, progress, NOW);

    assertThat(s.path("jobs").asInt()).isEqualTo(6);
    assertThat(s.path("states").path("queued").asInt()).isEqualTo(1);
    assertThat(s.path("states").path("in_flight").asInt()).isEqualTo(2);
    assertThat(s.path("states").path("done").asInt()).isEqualTo(2);
    assertThat(s.path("states").path("failed").asInt()).isEqualTo(1);
    assertThat(s.path("cost_usd").asDouble()).isEqualTo(0.04);
    JsonNode model = s.path("models").path(JobFoldTest.NANO);
    assertThat(model.path("jobs").asInt()).isEqualTo(5);
    assertThat(model.path("done").asInt()).isEqualTo(2);
    assertThat(model.path("failed").asInt()).isEqualTo(1);
    assertThat(s.path("models").path("(not routed)").path("jobs").asInt()).isEqualTo(1);
    assertThat(s.path("oldest_in_flight").path("job_id").asText())
        .as("in flight longest without news")
        .isEqualTo("q");
    assertThat(s.path("eta_s").asLong()).as("3 remaining at 0.5 jobs/s").isEqualTo(6);
    assertThat(s.path("paused").asText()).isEqualTo("no balance");
    assertThat(BatchCommands.Status.status(folds, null, NOW).has("eta_s"))
        .as("no ETA without a live run")
        .isFalse();
  }

  @Test
  void shouldListAFailedJobWithItsClassReasonAndWhetherItMayHaveBeenPaid() {
    ObjectNode l = BatchCommands.ListJobs.line("f", failed("f", "may_have_been_submitted"));

    assertThat(l.path("state").asText()).isEqualTo("failed");
    assertThat(l.path("exit_class").asInt()).isEqualTo(1);
    assertThat(l.path("stage").asText()).isEqualTo("poller");
    assertThat(l.path("may_have_been_submitted").asBoolean()).isTrue();
    assertThat(l.path("request_id").asText()).isEqualTo("req-0");
    assertThat(BatchCommands.ListJobs.line("d", done("d", 0.04)).path("cost_usd").asDouble())
        .isEqualTo(0.04);
    assertThat(BatchCommands.ListJobs.line("d", done("d", 0.04)).has("reason")).isFalse();
  }

  @Test
  void shouldSayTheJobIdOnceInALineThatAlreadyNamesIt() {
    assertThat(Summary.withoutId("sku-1", "job sku-1: local file a.png needs a public https URL"))
        .isEqualTo("local file a.png needs a public https URL");
    assertThat(Summary.withoutId("sku-1", "job sku-10: other")).isEqualTo("job sku-10: other");
    assertThat(Summary.withoutId("sku-1", null)).isNull();
  }

  @Test
  void shouldWithdrawQueuedJobsCancelSubmittedOnesAndLeaveTheRest() {
    assertThat(BatchCanceller.Step.of(null)).isEqualTo(BatchCanceller.Step.WITHDRAW);
    assertThat(BatchCanceller.Step.of(queued("a"))).isEqualTo(BatchCanceller.Step.WITHDRAW);
    assertThat(BatchCanceller.Step.of(submitted("a", 0)))
        .isEqualTo(BatchCanceller.Step.CANCEL_REMOTE);
    assertThat(BatchCanceller.Step.of(completed("a"))).isEqualTo(BatchCanceller.Step.LEAVE);
    assertThat(BatchCanceller.Step.of(done("a", null))).isEqualTo(BatchCanceller.Step.LEAVE);
    assertThat(BatchCanceller.Step.of(failed("a", "x"))).isEqualTo(BatchCanceller.Step.LEAVE);
    assertThat(BatchCanceller.queued(queued("a"))).isTrue();
    assertThat(BatchCanceller.queued(submitted("a", 0))).isFalse();
  }

  @Test
  void shouldWithdrawAJobForItsLatestRunSoTheRouterSkipsIt() {
    JobFold rerun = JobFoldTest.fold(List.of(JobEvent.requested(job("a"), JobFoldTest.T0, 2)));

    JobEvent w = BatchCanceller.withdrawal("a", rerun, Clock.fixed(NOW, ZoneOffset.UTC));

    assertThat(w.replays()).isEqualTo(2);
    assertThat(w.failure().reason()).isEqualTo(BatchCanceller.REASON);
    assertThat(w.failure().exitClass().code()).isEqualTo(75);
    assertThat(w.failure().stage())
        .as("not the producer: a producer failure is re-run on its own")
        .isEqualTo(Stage.ROUTER);
    assertThat(w.failure().message()).contains("--rerun a");
    assertThat(w.job().batch()).isEqualTo("b1");
    assertThat(
            ResumePlan.decide(job("a"), JobFold.merge(rerun, JobFold.of(w)), false, false, false))
        .as("a withdrawn job stays failed at the next run")
        .isEqualTo(ResumePlan.Action.FAILED);
  }

  @Test
  void shouldReadEveryAnswerToTheCtrlCQuestion() {
    assertThat(CtrlC.Choice.parse("f")).isEqualTo(CtrlC.Choice.FINISH);
    assertThat(CtrlC.Choice.parse(" Cancel ")).isEqualTo(CtrlC.Choice.CANCEL);
    assertThat(CtrlC.Choice.parse("stop")).isEqualTo(CtrlC.Choice.STOP);
    assertThat(CtrlC.Choice.parse("")).isEqualTo(CtrlC.Choice.NONE);
    assertThat(CtrlC.Choice.parse(null)).isEqualTo(CtrlC.Choice.NONE);
    assertThat(CtrlC.Choice.parse("yes")).isEqualTo(CtrlC.Choice.NONE);
  }

  @Test
  void shouldTakeTheConfiguredAnswerWithoutATerminalAndStopAtTheSecondPress() {
    List<String> said = new ArrayList<>();
    CtrlC c = CtrlC.install(null, CtrlC.Choice.CANCEL, said::add);
    // a process started in the background (a CI runner) is told once that SIGINT is ignored
    said.removeIf(l -> l.startsWith("SIGINT is ignored"));
    try {
      c.pressed(null, CtrlC.Choice.CANCEL, said::add);
      assertThat(c.choice()).isEqualTo(CtrlC.Choice.CANCEL);
      c.pressed(null, CtrlC.Choice.CANCEL, said::add);
      assertThat(c.choice()).isEqualTo(CtrlC.Choice.STOP);
      assertThat(said).hasSize(2);
      assertThat(said.get(0)).contains("cancelling the queued jobs");
    } finally {
      c.close();
    }
  }

  @Test
  void shouldAskOnATerminalAndGoOnWhenTheAnswerIsEnter() {
    List<String> said = java.util.Collections.synchronizedList(new ArrayList<>());
    CtrlC c = CtrlC.install(null, CtrlC.Choice.FINISH, said::add);
    try {
      c.pressed(new StringReader("\n"), CtrlC.Choice.FINISH, said::add);
      Awaitility.await().until(() -> said.contains("going on"));
      assertThat(c.choice()).isEqualTo(CtrlC.Choice.NONE);
      c.pressed(new StringReader("f\n"), CtrlC.Choice.FINISH, said::add);
      Awaitility.await().until(() -> c.choice() == CtrlC.Choice.FINISH);
      assertThat(said).contains(CtrlC.QUESTION);
    } finally {
      c.close();
    }
  }
}
