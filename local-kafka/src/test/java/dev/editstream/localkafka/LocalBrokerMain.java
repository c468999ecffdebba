package dev.editstream.localkafka;

import java.nio.file.Path;

/**
 * Child-JVM entry point for {@link LocalBrokerTest}: starts a {@link LocalBroker} on {@code
 * args[0]}, creates topic {@code args[1]} (1 partition), produces {@code args[2]} records with
 * acks=all, prints {@code READY} and then sleeps until it is killed.
 */
public final class LocalBrokerMain {
  private LocalBrokerMain() {}

  public static void main(String[] args) throws Exception {
    LocalBroker broker = LocalBroker.start(Path.of(args[0]));
    LocalBrokerTest.createTopic(broker.bootstrapServers(), args[1]);
    LocalBrokerTest.produce(broker.bootstrapServers(), args[1], Integer.parseInt(args[2]));
    System.out.println("READY " + broker.bootstrapServers());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
