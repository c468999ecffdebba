package dev.editstream.pipeline.stage;

import dev.editstream.core.event.EventType;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.pipeline.EventHead;
import dev.editstream.pipeline.kafka.TopicView;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Keeps every job in at most one terminal state: a live view of the {@code done} and {@code failed}
 * topics, loaded before a stage starts. A stage skips an event of a job that already ended (a
 * redelivery after a crash, a duplicate), and never publishes a second terminal event for it. A
 * job's end holds for its run: its {@code replays} count and every lower one. Only an explicit new
 * run, {@code editstream replay} (a failed job) or {@code editstream run --rerun} (any job),
 * publishes the job with a higher count and so runs it again.
 *
 * <p>Limit: two processes that handle the same job at the same moment (a zombie member after a
 * rebalance) can both pass the check; the window is the time between a check and the view seeing
 * the other's event.
 */
public final class TerminalGuard implements AutoCloseable {
  /** The terminal state of one job. */
  record Terminal(boolean done, int replays) {
    /** The later run's end; within one run, done wins. */
    static Terminal merge(Terminal a, Terminal b) {
      if (a.replays != b.replays) {
        return a.replays > b.replays ? a : b;
      }
      return new Terminal(a.done || b.done, a.replays);
    }
  }

  private final TopicView<Terminal> view;

  private TerminalGuard(TopicView<Terminal> view) {
    this.view = view;
  }

  /**
   * Loads the view (waits until it caught up, at most 2 minutes).
   *
   * @throws IllegalStateException if the topics cannot be read
   */
  public static TerminalGuard start(String bootstrapServers, Topics topics) {
    return start(bootstrapServers, topics, null, h -> {});
  }

  /**
   * As {@link #start(String, Topics)}, the view kept in a local store in {@code stateDir} (file
   * {@code <topic prefix>.terminal.mv.db}) when it is given, so a restart reads only the terminal
   * events published since the last checkpoint; and handing the head of every terminal event read
   * (at start-up: the topics' whole history in memory, those since the checkpoint with a store;
   * then every new one) to {@code onTerminal}, on the view's thread; it must be quick and must not
   * throw.
   *
   * @param stateDir the views' state folder, or {@code null} to keep the view in memory
   */
  public static TerminalGuard start(
      String bootstrapServers,
      Topics topics,
      @Nullable Path stateDir,
      java.util.function.Consumer<EventHead> onTerminal) {
    return new TerminalGuard(
        TopicView.start(
            bootstrapServers,
            List.of(topics.done(), topics.failed()),
            r -> {
              EventHead h = EventHead.read(r.value());
              onTerminal.accept(h);
              return of(h);
            },
            Terminal::merge,
            Duration.ofMinutes(2),
            stateDir == null
                ? null
                : new TopicView.Local<>(stateDir, topics.prefix() + ".terminal", CODEC)));
  }

  /** A terminal state in 5 bytes: done (1) or failed (0), then the replay count. */
  static final TopicView.Codec<Terminal> CODEC =
      new TopicView.Codec<>() {
        @Override
        public byte[] encode(Terminal t) {
          return ByteBuffer.allocate(5).put((byte) (t.done() ? 1 : 0)).putInt(t.replays()).array();
        }

        @Override
        public Terminal decode(byte[] b) {
          ByteBuffer in = ByteBuffer.wrap(b);
          return new Terminal(in.get() == 1, in.getInt());
        }
      };

  private static @Nullable Terminal of(EventHead e) {
    return switch (e.type()) {
      case DONE -> new Terminal(true, e.replays());
      case FAILED -> new Terminal(false, e.replays());
      default -> null;
    };
  }

  /** Whether the job of {@code e} already ended for {@code e}'s run (its replay count). */
  public boolean ended(JobEvent e) {
    Terminal t = view.get(e.jobId()).orElse(null);
    return t != null && t.replays >= e.replays();
  }

  /** Records a terminal event this process just published. */
  public void record(JobEvent terminal) {
    if (terminal.type() == EventType.DONE || terminal.type() == EventType.FAILED) {
      view.put(
          terminal.jobId(), new Terminal(terminal.type() == EventType.DONE, terminal.replays()));
    }
  }

  /**
   * Records read before the view first caught up: the topics' whole history in memory, those
   * published since the last checkpoint with a local store.
   */
  public long recordsReadAtStart() {
    return view.recordsReadAtStart();
  }

  /** Jobs the view knows. */
  public int size() {
    return view.size();
  }

  @Override
  public void close() {
    view.close();
  }
}
