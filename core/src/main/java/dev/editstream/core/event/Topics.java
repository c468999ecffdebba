package dev.editstream.core.event;

import java.util.List;

/**
 * Every topic name of editstream, in one place. The map with producers and consumers is in {@code
 * docs/architecture.md}.
 *
 * @param prefix prepended to every name (default {@code editstream}); lets tests and tenants share
 *     one cluster
 */
public record Topics(String prefix) {
  /** Default prefix. */
  public static final Topics DEFAULT = new Topics("editstream");

  public Topics {
    if (prefix == null || !prefix.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException(
          "topic prefix must match [A-Za-z0-9._-]{1,100}, was " + prefix);
    }
  }

  /**
   * The consumer group of a stage's input topic: {@code <prefix>-<stage>} ({@code
   * editstream-router} by default), so two pipelines on one cluster never share a group.
   */
  public String group(Stage stage) {
    return prefix + "-" + stage.wire();
  }

  /** Jobs accepted by the producer ({@code requested} events); consumed by the router-worker. */
  public String requested() {
    return prefix + ".jobs.requested";
  }

  /** {@code submitted} events; consumed by the poller-worker. */
  public String submitted() {
    return prefix + ".jobs.submitted";
  }

  /** {@code completed} events; consumed by the downloader-worker. */
  public String completed() {
    return prefix + ".jobs.completed";
  }

  /** {@code done} events (terminal). */
  public String done() {
    return prefix + ".jobs.done";
  }

  /** {@code failed} events (terminal): the DLQ, with exit class, stage and every attempt. */
  public String failed() {
    return prefix + ".jobs.failed";
  }

  /**
   * The job-state topic (compacted, keyed by job id): submission markers written before a POST, so
   * a redelivered job is never POSTed twice and a lost answer is detected.
   */
  public String state() {
    return prefix + ".jobs.state";
  }

  /**
   * The delay topic of a stage: records wait there until their due time, then the stage retries.
   */
  public String retry(Stage stage) {
    return prefix + ".retry." + stage.wire();
  }

  /** The input topic of a stage. */
  public String input(Stage stage) {
    return switch (stage) {
      case PRODUCER -> throw new IllegalArgumentException("the producer has no input topic");
      case ROUTER -> requested();
      case POLLER -> submitted();
      case DOWNLOADER -> completed();
    };
  }

  /** All topics, for creation at start-up. */
  public List<String> all() {
    return List.of(
        requested(),
        submitted(),
        completed(),
        done(),
        failed(),
        state(),
        retry(Stage.ROUTER),
        retry(Stage.POLLER),
        retry(Stage.DOWNLOADER));
  }
}
