package dev.editstream.pipeline.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Stage;
import dev.editstream.core.event.Submission;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.EventHead;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which request ends an event tells the router's flow control ({@link RequestEnds#ends}). */
class RequestEndsTest {
  static final Instant T = Instant.parse("2026-12-06T05:00:00Z");

  static JobEvent requested() {
    return JobEvent.requested(
        new Job(
            "job-1",
            "make the sky purple",
            List.of("https://a.example/1.jpg"),
            null,
            null,
            "m/x",
            Map.of(),
            null),
        T);
  }

  static JobEvent submitted(Submission... parts) {
    JobEvent e =
        requested()
            .submitted(
                new RouteDecision("m/x", "explicit-model", List.of()), Map.of(), parts[0], T);
    return parts.length == 1 ? e : e.withParts(List.of(parts));
  }

  static Failure failure(Stage stage) {
    return new Failure(ExitClass.OTHER, FailureReason.DEADLINE, "past its deadline", stage, 1);
  }

  @Test
  void aCompletedEventEndsItsRequestAsASuccess() {
    JobEvent e = submitted(new Submission("r-1", null, null, null, T)).completed(List.of(), T);
    assertThat(RequestEnds.ends(e)).containsExactly(new RequestEnds.End("r-1", true));
  }

  @Test
  void aFailedEventOfASubmittedJobEndsItsRequestWithoutSuccess() {
    JobEvent e =
        submitted(new Submission("r-1", null, null, null, T)).failed(failure(Stage.POLLER), T);
    assertThat(RequestEnds.ends(e)).containsExactly(new RequestEnds.End("r-1", false));
  }

  @Test
  void everyPartOfASplitBatchEndsInRequestOrder() {
    JobEvent sub =
        submitted(
            new Submission("r-1", null, null, null, T), new Submission("r-2", null, null, null, T));
    assertThat(RequestEnds.ends(sub.completed(List.of(), T)))
        .containsExactly(new RequestEnds.End("r-1", true), new RequestEnds.End("r-2", true));
    assertThat(RequestEnds.ends(sub.failed(failure(Stage.DOWNLOADER), T)))
        .containsExactly(new RequestEnds.End("r-1", false), new RequestEnds.End("r-2", false));
  }

  @Test
  void eventsThatEndNoRequestTellNothing() {
    assertThat(RequestEnds.ends(requested())).isEmpty();
    assertThat(RequestEnds.ends(requested().failed(failure(Stage.ROUTER), T)))
        .as("failed before it was submitted")
        .isEmpty();
    assertThat(RequestEnds.ends(submitted(new Submission("r-1", null, null, null, T))))
        .as("submitted is no end")
        .isEmpty();
    assertThat(
            RequestEnds.ends(
                submitted(new Submission(null, null, null, null, T))
                    .failed(failure(Stage.ROUTER), T)))
        .as("a submission without a request_id")
        .isEmpty();
  }

  @Test
  void theSlotBoundHintTravelsInTheEventAndIsLeftOutWhenFalse() {
    JobEvent bound = submitted(new Submission("r-1", null, null, null, T, true));
    JobEvent free = submitted(new Submission("r-2", null, null, null, T));
    assertThat(EventCodec.decode(EventCodec.encode(bound)).submission().slotBound()).isTrue();
    assertThat(new String(EventCodec.encode(bound), java.nio.charset.StandardCharsets.UTF_8))
        .contains("\"slot_bound\":true");
    assertThat(new String(EventCodec.encode(free), java.nio.charset.StandardCharsets.UTF_8))
        .doesNotContain("slot_bound");
    assertThat(EventCodec.decode(EventCodec.encode(free)).submission().slotBound()).isFalse();
  }

  @Test
  void aNullEventIsRefused() {
    assertThatThrownBy(() -> RequestEnds.ends((JobEvent) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> RequestEnds.ends((EventHead) null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void theHeadOfAnEventTellsTheSameEndsAsTheWholeEvent() {
    JobEvent one = submitted(new Submission("r-1", null, null, null, T));
    JobEvent split =
        submitted(
            new Submission("r-1", null, null, null, T), new Submission("r-2", null, null, null, T));
    List<JobEvent> events =
        List.of(
            requested(),
            requested().failed(failure(Stage.ROUTER), T),
            one,
            one.completed(List.of("https://out.example/1.png"), T),
            one.failed(failure(Stage.POLLER), T),
            split,
            split.completed(List.of(), T),
            split.failed(failure(Stage.DOWNLOADER), T),
            submitted(new Submission(null, null, null, null, T)).failed(failure(Stage.ROUTER), T));
    for (JobEvent e : events) {
      assertThat(RequestEnds.ends(EventHead.read(EventCodec.encode(e))))
          .as("%s event with %d request(s)", e.type(), e.requests().size())
          .isEqualTo(RequestEnds.ends(e));
    }
    assertThat(RequestEnds.ends(EventHead.read(EventCodec.encode(split.completed(List.of(), T)))))
        .hasSize(2);
  }
}
