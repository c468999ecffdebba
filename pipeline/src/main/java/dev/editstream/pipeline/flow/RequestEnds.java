package dev.editstream.pipeline.flow;

import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.EventHead;
import dev.editstream.pipeline.kafka.TopicTail;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Gives a {@link FlowControl}'s parked permits back when the requests they stand for are seen to
 * end on the topics: a {@code completed} event (the poller saw the request succeed) frees its
 * requests' permits as a success, a {@code failed} event that names request_ids (any stage gave the
 * job up after it was submitted: a remote failure, a deadline, a cancel) frees them with no signal
 * to the adaptive limit. Whichever process polled the request, the router that holds its permit
 * learns of its end the same way, so the account limit means requests in flight at the provider
 * whether the stages share a process or not (issue 18: stages talk only through topics).
 *
 * <p>The decision ({@link #ends}) is a pure function of one event; {@link #follow} is the thin
 * Kafka adapter that feeds it from the end of the {@code completed} and {@code failed} topics.
 */
public final class RequestEnds implements AutoCloseable {
  private final TopicTail tail;

  private RequestEnds(TopicTail tail) {
    this.tail = tail;
  }

  /**
   * One request's end as an event tells it.
   *
   * @param requestId RunComfy's request_id
   * @param succeeded whether the provider ran it to success (grows the adaptive limit)
   */
  public record End(String requestId, boolean succeeded) {}

  /**
   * The request ends an event tells: every request_id of a {@code completed} event (succeeded) or
   * of a {@code failed} event (not succeeded); nothing for any other type or an event without
   * requests (a job failed before it was submitted). Its head is enough ({@link EventHead}: type
   * and request_ids), so the tail of the end topics decodes no job, body or history.
   *
   * @param head the event's head, not {@code null}
   * @return the ends, in request order (several for a split batch)
   */
  public static List<End> ends(EventHead head) {
    Objects.requireNonNull(head, "head");
    return ends(head.type(), head.requestIds());
  }

  /**
   * As {@link #ends(EventHead)}, from a decoded event.
   *
   * @param event a decoded event, not {@code null}
   * @return the ends, in request order (several for a split batch)
   */
  public static List<End> ends(JobEvent event) {
    Objects.requireNonNull(event, "event");
    List<String> ids = new ArrayList<>();
    for (Submission s : event.requests()) {
      if (s.requestId() != null) {
        ids.add(s.requestId());
      }
    }
    return ends(event.type(), ids);
  }

  private static List<End> ends(EventType type, List<String> requestIds) {
    if (type != EventType.COMPLETED && type != EventType.FAILED) {
      return List.of();
    }
    boolean ok = type == EventType.COMPLETED;
    List<End> out = new ArrayList<>(requestIds.size());
    for (String id : requestIds) {
      out.add(new End(id, ok));
    }
    return out;
  }

  /**
   * Follows the {@code completed} and {@code failed} topics from their ends and releases {@code
   * flow}'s permit of every request seen to end ({@link FlowControl#terminal}). Records that are
   * not events are skipped.
   *
   * @return once positioned at the end offsets; close it to stop
   * @throws IllegalStateException if the topics cannot be followed within 60 s
   */
  public static RequestEnds follow(String bootstrapServers, Topics topics, FlowControl flow) {
    Objects.requireNonNull(flow, "flow");
    TopicTail tail =
        TopicTail.start(
            bootstrapServers,
            List.of(topics.completed(), topics.failed()),
            r -> {
              if (r.value() == null) {
                return;
              }
              // the head is enough (type and request_ids): no full decode of job, body, history
              for (End e : ends(EventHead.read(r.value()))) {
                flow.terminal(e.requestId(), e.succeeded());
              }
            },
            Duration.ofSeconds(60));
    return new RequestEnds(tail);
  }

  @Override
  public void close() {
    tail.close();
  }
}
