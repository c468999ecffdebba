package dev.editstream.app;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code --balance-check}: reads RunComfy's balance before a run ({@code GET .../prod/v2/balance},
 * free, one wallet for every RunComfy product; {@code runcomfy-live-contract.md} §3), so a refused
 * token or an empty wallet stops the run at once (class 77, as RunComfy's CLI exits on a refused
 * token) instead of pausing every job.
 */
final class BalanceCheck {
  private BalanceCheck() {}

  /**
   * @return the balance, USD
   * @throws StageException class 77 when the token is refused or the balance is not above zero; the
   *     client's class (69, 75...) when the balance cannot be read
   */
  static double require(RunComfyConfig rc, PrintStream out) {
    try (RunComfyClient client = new RunComfyClient(rc)) {
      var b = client.balance().block(Duration.ofSeconds(90));
      if (b == null || !(b.balanceUsd() > 0)) {
        throw new StageException(
            ExitClass.NOPERM,
            FailureReason.NO_BALANCE,
            "the RunComfy balance is "
                + (b == null ? "unknown" : String.format(Locale.ROOT, "$%.2f", b.balanceUsd()))
                + ": top it up before the run");
      }
      out.printf(Locale.ROOT, "RunComfy balance: $%.2f%n", b.balanceUsd());
      return b.balanceUsd();
    }
  }
}
