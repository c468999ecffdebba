package dev.editstream.app;

import dev.editstream.core.event.Stage;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.router.InputStager;
import dev.editstream.runcomfy.LocalAssetServer;
import dev.editstream.runcomfy.RunComfyConfig;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One worker as its own process against an external Kafka cluster ({@code editstream router-worker
 * --bootstrap-servers ...}). Runs until SIGTERM/SIGINT, then stops consuming, waits for jobs in
 * flight (shutdown grace), commits and exits.
 */
public abstract class WorkerCommand implements Callable<Integer> {
  @Mixin PipelineOptions pipeline;

  @Mixin MetricsOptions metrics;

  @Mixin StorageOptions storage;

  abstract Stage stage();

  @Nullable LocalAssetServer assets() {
    return null;
  }

  InputStager stager(@Nullable LocalAssetServer assets) {
    return new InputStager(assets, allowedInputs());
  }

  /**
   * The folders a router-worker serves local inputs from ({@code --allow-input}); none: no local
   * input.
   */
  List<Path> allowedInputs() {
    return pipeline.allowInputs.stream().map(f -> f.toAbsolutePath().normalize()).toList();
  }

  @Override
  public Integer call() throws InterruptedException {
    PipelineConfig cfg = pipeline.toConfig();
    if (cfg.embedded()) {
      throw new IllegalArgumentException(
          "--bootstrap-servers is required: a worker process joins an external cluster "
              + "(use `editstream run` or `editstream demo` for the all-in-one embedded mode)");
    }
    RunComfyConfig rc =
        pipeline.apply(
            RunComfyConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home"))));
    LocalAssetServer assets = assets();
    TokenRefresher token =
        new TokenRefresher(
            rc.token(),
            System.getenv(),
            Path.of(System.getProperty("user.home")),
            java.time.Duration.ofSeconds(10),
            System::nanoTime);
    io.micrometer.core.instrument.MeterRegistry registry = metrics.registry();
    // --stage-to serves the router, --results-to the downloader; each worker opens (and checks)
    // only its own
    if (stage() != Stage.ROUTER) {
      storage.stageTo = null;
    }
    if (stage() != Stage.DOWNLOADER) {
      storage.resultsTo = null;
    }
    Storage store = storage.open(cfg.jobDeadline());
    InputStager stager =
        store != null && store.stagesInputs() ? store.stager(allowedInputs()) : stager(assets);
    Pipeline p =
        Pipeline.start(
            cfg,
            rc,
            token,
            EnumSet.of(stage()),
            stager,
            new PipelineMetrics(registry),
            store == null ? null : store.results(),
            false);
    OpsServer ops = metrics.start(registry, cfg.requireBootstrapServers(), () -> p);
    System.out.println(
        stage().wire()
            + "-worker running against "
            + cfg.bootstrapServers()
            + " and "
            + rc.baseUrl());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (ops != null) {
                    ops.close();
                  }
                  p.close();
                  if (store != null) {
                    store.close();
                  }
                  if (assets != null) {
                    assets.close();
                  }
                  stopped.countDown();
                },
                "editstream-shutdown"));
    stopped.await();
    return 0;
  }

  /** {@code editstream router-worker}. */
  @Command(
      name = "router-worker",
      mixinStandardHelpOptions = true,
      description = "Route, check and submit requested jobs.")
  public static final class Router extends WorkerCommand {
    @Option(
        names = "--serve-local-files",
        description =
            "Serve local input files on this host:port (emulator set-ups only), e.g. 127.0.0.1:8181. "
                + "Set EDITSTREAM_ASSET_KEY (32+ chars) so the URLs survive a restart; local inputs must lie under an --allow-input folder.")
    @Nullable String serveLocalFiles;

    @Option(
        names = "--asset-server",
        description =
            "host:port of an asset server in another process (`editstream assets`) sharing EDITSTREAM_ASSET_KEY; "
                + "local input URLs then survive a router restart.")
    @Nullable String assetServer;

    @Override
    Stage stage() {
      return Stage.ROUTER;
    }

    @Override
    InputStager stager(@Nullable LocalAssetServer assets) {
      if (assetServer == null) {
        return new InputStager(assets, allowedInputs());
      }
      if (serveLocalFiles != null) {
        throw new IllegalArgumentException(
            "--asset-server and --serve-local-files exclude each other");
      }
      if (!assetServer.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
        throw new IllegalArgumentException(
            "--asset-server must be host:port, was \"" + assetServer + "\"");
      }
      return InputStager.signedBy(assetServer, AssetKey.fromEnv(), allowedInputs());
    }

    @Override
    @Nullable LocalAssetServer assets() {
      if (serveLocalFiles == null) {
        return null;
      }
      String[] hp = serveLocalFiles.split(":");
      if (hp.length != 2 || !hp[1].matches("\\d{1,5}")) {
        throw new IllegalArgumentException(
            "--serve-local-files must be host:port, was \"" + serveLocalFiles + "\"");
      }
      String key = System.getenv("EDITSTREAM_ASSET_KEY");
      if (key == null || key.isBlank()) {
        return LocalAssetServer.start(hp[0], Integer.parseInt(hp[1]));
      }
      return LocalAssetServer.start(hp[0], Integer.parseInt(hp[1]), AssetKey.fromEnv());
    }
  }

  /** {@code editstream poller-worker}. */
  @Command(
      name = "poller-worker",
      mixinStandardHelpOptions = true,
      description = "Follow submitted requests to their end.")
  public static final class Poller extends WorkerCommand {
    @Override
    Stage stage() {
      return Stage.POLLER;
    }
  }

  /** {@code editstream downloader-worker}. */
  @Command(
      name = "downloader-worker",
      mixinStandardHelpOptions = true,
      description = "Download completed jobs' outputs.")
  public static final class Downloader extends WorkerCommand {
    @Override
    Stage stage() {
      return Stage.DOWNLOADER;
    }
  }
}
