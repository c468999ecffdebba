package dev.editstream.app;

import dev.editstream.core.model.ModelCatalog;
import dev.editstream.router.CatalogCache;
import dev.editstream.router.CatalogLoader;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the commands get RunComfy's model catalog: the live API, the disk copy of its last read, or
 * editstream's built-in snapshot ({@link CatalogLoader}), and how they name what they used.
 */
final class Catalogs {
  /** Longest wait for the live catalog at start-up. */
  static final Duration LIVE_TIMEOUT = Duration.ofSeconds(90);

  private Catalogs() {}

  /** The disk copy for {@code baseUrl}: {@code file} when given, else the default place. */
  static CatalogCache cache(@Nullable Path file, String baseUrl) {
    return file != null
        ? new CatalogCache(file)
        : CatalogCache.defaultFor(
            baseUrl, System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /**
   * The catalog of a command that may not call the API unless asked: {@code built-in}, {@code
   * cache} (the disk copy for the API base of {@code RUNCOMFY_MODEL_API_BASE}, else built-in) or
   * {@code live} (reads the API with the environment's token; falls back as {@link CatalogLoader}).
   *
   * @throws IllegalArgumentException naming {@code --catalog} for another value
   */
  static ModelCatalog forDryRun(String which, @Nullable Path cacheFile) {
    String base = baseUrl();
    switch (which) {
      case "built-in" -> {
        return ModelCatalog.builtIn();
      }
      case "cache" -> {
        return cache(cacheFile, base)
            .read()
            .map(
                c ->
                    ModelCatalog.fromEntries(
                        c.document().path("models"), ModelCatalog.Source.CACHE, c.fetchedAt()))
            .orElseGet(ModelCatalog::builtIn);
      }
      case "live" -> {
        RunComfyConfig rc =
            RunComfyConfig.fromEnvironment(
                System.getenv(), Path.of(System.getProperty("user.home")));
        try (RunComfyClient client = new RunComfyClient(rc)) {
          // the loader falls back to a catalog, never completes empty
          return Objects.requireNonNull(
              CatalogLoader.load(
                      client, cache(cacheFile, rc.baseUrl()), Clock.systemUTC(), LIVE_TIMEOUT)
                  .block(),
              "catalog");
        }
      }
      default ->
          throw new IllegalArgumentException(
              "--catalog must be live, cache or built-in, was \"" + which + "\"");
    }
  }

  /** The API base the environment names (RunComfy's CLI rule), for the cache's file name. */
  static String baseUrl() {
    Map<String, String> env = System.getenv();
    String raw = env.getOrDefault(RunComfyConfig.BASE_ENV, "").trim();
    while (raw.endsWith("/")) {
      raw = raw.substring(0, raw.length() - 1);
    }
    return raw.isEmpty() ? RunComfyConfig.DEFAULT_BASE_URL : raw;
  }

  /** {@code catalog: live (read 2026-12-04T17:00:00Z, 384 models)} and the like. */
  static String describe(ModelCatalog c) {
    int n = c.all().size();
    String problems =
        c.problems().isEmpty()
            ? ""
            : ", " + c.problems().size() + " with a schema that could not be understood";
    return switch (c.source()) {
      case LIVE -> "catalog: live (read " + c.fetchedAt() + ", " + n + " models" + problems + ")";
      case CACHE ->
          "catalog: disk copy of the live catalog read "
              + c.fetchedAt()
              + " ("
              + age(c)
              + " old, "
              + n
              + " models"
              + problems
              + ")";
      case BUILT_IN ->
          "catalog: editstream's built-in snapshot of "
              + c.fetchedAt()
              + " ("
              + n
              + " models; not read from RunComfy, "
              + "prices are editstream's estimates)";
    };
  }

  private static String age(ModelCatalog c) {
    Duration d = Duration.between(c.fetchedAt(), Clock.systemUTC().instant());
    return d.toDays() > 0
        ? d.toDays() + " d"
        : d.toHours() > 0 ? d.toHours() + " h" : Math.max(0, d.toMinutes()) + " min";
  }
}
