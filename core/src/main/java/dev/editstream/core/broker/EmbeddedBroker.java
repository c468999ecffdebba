package dev.editstream.core.broker;

import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * A single-node Kafka broker run inside this process, for a batch run without {@code
 * --bootstrap-servers}. The product jar does not carry one (no Kafka server, no Scala): the
 * implementation lives in the {@code local-kafka} module, which the tools jar ({@code
 * ./editstream}) and the tests put on the class path, and is found with {@link ServiceLoader}
 * ({@code META-INF/services/dev.editstream.core.broker.EmbeddedBroker$Factory}).
 */
public interface EmbeddedBroker extends AutoCloseable {
  /** The broker's bootstrap servers, {@code 127.0.0.1:port}. */
  String bootstrapServers();

  /** Stops the broker; its data folder stays. Idempotent. */
  @Override
  void close();

  /** Starts brokers; one implementation per class path. */
  interface Factory {
    /**
     * Starts a broker on a data folder kept across restarts.
     *
     * @param dataDir the data folder (created when missing)
     * @return the running broker
     * @throws IllegalStateException when it cannot start (the folder is used by another process:
     *     the message starts with "another editstream process")
     */
    EmbeddedBroker start(Path dataDir);
  }

  /**
   * Starts the embedded broker of this class path on {@code dataDir}.
   *
   * @param dataDir the data folder (created when missing)
   * @return the running broker
   * @throws IllegalArgumentException when no implementation is on the class path (the product jar):
   *     the message names {@code --bootstrap-servers} and the tools jar
   * @throws IllegalStateException when the broker cannot start
   */
  static EmbeddedBroker start(Path dataDir) {
    return ServiceLoader.load(Factory.class, EmbeddedBroker.class.getClassLoader())
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no embedded Kafka broker in this jar (the product jar runs against a cluster): "
                        + "give --bootstrap-servers HOST:PORT, or use the tools jar (./editstream, editstream-tools.jar) for a one-process run "
                        + "with a local broker"))
        .start(dataDir);
  }
}
