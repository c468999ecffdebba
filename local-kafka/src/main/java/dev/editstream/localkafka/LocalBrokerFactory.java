package dev.editstream.localkafka;

import dev.editstream.core.broker.EmbeddedBroker;
import java.nio.file.Path;

/** The {@link EmbeddedBroker.Factory} of this module: {@link LocalBroker#start(Path)}. */
public final class LocalBrokerFactory implements EmbeddedBroker.Factory {
  /** Public no-argument constructor, for {@link java.util.ServiceLoader}. */
  public LocalBrokerFactory() {}

  @Override
  public EmbeddedBroker start(Path dataDir) {
    return LocalBroker.start(dataDir);
  }
}
