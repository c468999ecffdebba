package dev.editstream.app;

import dev.editstream.runcomfy.LocalAssetServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code editstream assets}: the asset server for local input files as its own process, so the
 * URLs handed to the (emulated) model stay reachable while a router restarts. Routers started
 * with {@code --asset-server host:port} and the same {@code EDITSTREAM_ASSET_KEY} sign URLs this
 * server accepts. Emulator set-ups only: real RunComfy needs public https URLs.
 */
@Command(name = "assets", mixinStandardHelpOptions = true, description = "Serve local input files to a local emulator (URLs signed with EDITSTREAM_ASSET_KEY).")
public final class AssetsCommand implements Callable<Integer> {
  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8181", description = "Port (default: ${DEFAULT-VALUE}).")
  int port;

  /**
   * The shared key from {@code EDITSTREAM_ASSET_KEY}.
   *
   * @throws IllegalArgumentException when it is unset or shorter than 16 characters
   */
  static byte[] key() {
    String key = System.getenv("EDITSTREAM_ASSET_KEY");
    if (key == null || key.trim().length() < 16) {
      throw new IllegalArgumentException("EDITSTREAM_ASSET_KEY must be set to at least 16 characters (shared by the asset server and the routers)");
    }
    return key.trim().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Integer call() throws InterruptedException {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--port must be in 1..65535, was " + port);
    }
    LocalAssetServer server = LocalAssetServer.start(host, port, key());
    System.out.println("asset server on " + server.hostPort());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stop.countDown();
    }));
    stop.await();
    return 0;
  }
}
