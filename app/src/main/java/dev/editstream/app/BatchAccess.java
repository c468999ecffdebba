package dev.editstream.app;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Where the batch commands ({@code status}, {@code list}, {@code cancel}, {@code failed}, {@code
 * replay}) find a batch's topics: the cluster of {@code --bootstrap-servers}; else the state folder
 * of {@code --out}: the broker of the live run that holds it ({@code endpoint.json}), or, when no
 * run is live, that folder's broker started by this command for as long as it lasts.
 */
final class BatchAccess implements AutoCloseable {
  private final String bootstrapServers;
  private final @Nullable BatchState owned;
  private final String where;

  private BatchAccess(String bootstrapServers, @Nullable BatchState owned, String where) {
    this.bootstrapServers = bootstrapServers;
    this.owned = owned;
    this.where = where;
  }

  /**
   * Finds the batch.
   *
   * @throws IllegalArgumentException naming {@code --out} and {@code --bootstrap-servers} when
   *     there is neither a cluster nor a batch in the output folder
   */
  static BatchAccess open(PipelineConfig cfg) {
    if (!cfg.embedded()) {
      return new BatchAccess(
          cfg.requireBootstrapServers(), null, "the cluster at " + cfg.bootstrapServers());
    }
    Path out = cfg.outDir();
    var live = BatchState.liveEndpoint(out);
    if (live.isPresent()) {
      return new BatchAccess(
          live.get().path("bootstrap_servers").asText(),
          null,
          "the live run of " + out + " (pid " + live.get().path("pid").asText() + ")");
    }
    if (!BatchState.exists(out)) {
      throw new IllegalArgumentException(
          "--out "
              + out
              + " holds no batch (no "
              + BatchState.folder(out).resolve("broker")
              + "): give the --out of an `editstream run`, or --bootstrap-servers for a cluster");
    }
    BatchState s = BatchState.open(out, false);
    return new BatchAccess(
        s.bootstrapServers(),
        s,
        "the batch kept in " + BatchState.folder(out) + " (no run is live)");
  }

  /** The bootstrap servers of the batch's broker. */
  String bootstrapServers() {
    return bootstrapServers;
  }

  /** Where the batch was found, for people. */
  String where() {
    return where;
  }

  /** Whether a run is live on the batch (its counts move, its progress.json is fresh). */
  boolean live() {
    return owned == null;
  }

  @Override
  public void close() {
    if (owned != null) {
      owned.close();
    }
  }
}
