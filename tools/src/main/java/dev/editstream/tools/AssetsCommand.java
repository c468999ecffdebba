package dev.editstream.tools;

import dev.editstream.runcomfy.LocalAssetServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code editstream assets}: the asset server for local input files as its own process, so the URLs
 * handed to the (emulated) model stay reachable while a router restarts. Routers started with
 * {@code --asset-server host:port} and the same {@code EDITSTREAM_ASSET_KEY} sign URLs this server
 * accepts. Emulator set-ups only: real RunComfy needs public https URLs.
 */
@Command(
    name = "assets",
    mixinStandardHelpOptions = true,
    description =
        "Serve local input files to a local emulator (URLs signed with EDITSTREAM_ASSET_KEY).")
public final class AssetsCommand implements Callable<Integer> {
  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Interface to bind (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8181",
      description = "Port (default: ${DEFAULT-VALUE}).")
  int port;

  /**
   * A warning when {@code host} is not a loopback address (the asset server then serves local files
   * to the network), else {@code null}. Resolves {@code host} (a name or a literal).
   */
  static @Nullable String exposureWarning(String host) {
    try {
      java.net.InetAddress a = java.net.InetAddress.getByName(host);
      if (a.isLoopbackAddress()) {
        return null;
      }
      return "WARNING: --host "
          + host
          + (a.isAnyLocalAddress() ? " listens on every interface" : " is not a loopback address")
          + ": anyone who can reach it and holds a signed URL can read the local input files it serves; "
          + "use 127.0.0.1 unless the emulator runs on another machine";
    } catch (java.net.UnknownHostException e) {
      return "WARNING: --host "
          + host
          + " does not resolve; it is not known to be a loopback address";
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--port must be in 1..65535, was " + port);
    }
    byte[] key = dev.editstream.app.AssetKey.fromEnv();
    String warning = exposureWarning(host);
    if (warning != null) {
      System.err.println(warning);
    }
    LocalAssetServer server = LocalAssetServer.start(host, port, key);
    System.out.println("asset server on " + server.hostPort());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stop.countDown();
                }));
    stop.await();
    return 0;
  }
}
