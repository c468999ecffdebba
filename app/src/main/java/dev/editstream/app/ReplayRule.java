package dev.editstream.app;

import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Stage;

/** Whether a failed job may be replayed. Pure. */
public final class ReplayRule {
  private ReplayRule() {}

  /**
   * @param failed the job's latest failed event
   * @param maxReplays the replay cap, &gt;= 0
   * @return why it must not be replayed, or {@code null} when it may
   */
  public static String refusal(JobEvent failed, int maxReplays) {
    if (failed.failure() != null && failed.failure().stage() == Stage.PRODUCER) {
      return "a refused job-file line: fix the line and produce it again";
    }
    if (failed.replays() >= maxReplays) {
      return "already replayed " + failed.replays() + " times (--max-replays " + maxReplays + ")";
    }
    return null;
  }
}
