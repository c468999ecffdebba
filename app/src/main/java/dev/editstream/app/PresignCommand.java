package dev.editstream.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.storage.ObjectStoreUri;
import dev.editstream.storage.S3Store;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code editstream presign}: pre-signed https GET URLs for stored results, for a person or a
 * system without credentials for the bucket. This is the only place editstream makes a pre-signed
 * URL of a result. It is made on request and printed to stdout only. The {@code done} events and
 * the manifest keep the {@code s3://} URI, so no signature reaches a durable topic, a log or a file
 * editstream writes.
 *
 * <p>Output: one line per object, {@code <s3 uri>\t<url>}; with {@code --manifest}, {@code
 * <job_id>\t<s3 uri>\t<url>} for every {@code object_uri} of the manifest, in its order. Signing is
 * local (SigV4 with the credentials of the default chain or {@code --s3-profile}); no request
 * reaches the store, so a URL for a key that does not exist answers 404 when used.
 */
@Command(
    name = "presign",
    mixinStandardHelpOptions = true,
    description =
        "Print pre-signed https GET URLs for results in object storage (s3:// URIs, or every object_uri of a manifest); "
            + "printed only, never stored.")
public final class PresignCommand implements Callable<Integer> {
  /** The longest lifetime S3 accepts, minutes (SigV4: 7 days). */
  static final long MAX_MINUTES = S3Store.MAX_PRESIGN_LIFETIME.toMinutes();

  @Parameters(arity = "0..*", paramLabel = "s3://BUCKET/KEY", description = "Objects to sign.")
  List<String> uris = new ArrayList<>();

  @Option(
      names = "--manifest",
      paramLabel = "FILE",
      description = "Sign every object_uri of this manifest.jsonl (a run with --results-to).")
  @Nullable Path manifest;

  @Option(
      names = "--expires-min",
      defaultValue = "60",
      description =
          "Lifetime of each URL, minutes, 1 to 10080 (7 days) (default: ${DEFAULT-VALUE}).")
  long expiresMinutes = 60;

  @Mixin S3ConnectionOptions s3 = new S3ConnectionOptions();

  PrintStream out = System.out;

  /** One object to sign: the job it belongs to (or null) and its URI. */
  record Target(@Nullable String jobId, String uri) {}

  @Override
  public Integer call() throws IOException {
    if (expiresMinutes < 1 || expiresMinutes > MAX_MINUTES) {
      throw new IllegalArgumentException(
          "--expires-min must be 1 to "
              + MAX_MINUTES
              + " (7 days, SigV4's limit), was "
              + expiresMinutes);
    }
    List<Target> targets = new ArrayList<>();
    for (String u : uris) {
      targets.add(new Target(null, u));
    }
    if (manifest != null) {
      targets.addAll(fromManifest(manifest));
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException(
          "nothing to sign: give s3:// URIs or --manifest with a manifest of a --results-to run");
    }
    Map<String, S3Store> stores = new LinkedHashMap<>();
    try {
      for (Target t : targets) {
        ObjectStoreUri object = ObjectStoreUri.parse("s3://BUCKET/KEY", t.uri());
        if (object.prefix().isEmpty()) {
          throw new IllegalArgumentException(
              "s3://BUCKET/KEY: " + t.uri() + " names a bucket, not an object");
        }
        String key = object.prefix().substring(0, object.prefix().length() - 1);
        S3Store store =
            stores.computeIfAbsent(
                object.bucket(),
                b -> S3Store.open(s3.settings("presign", new ObjectStoreUri(b, ""))));
        String url = store.presignGet(key, Duration.ofMinutes(expiresMinutes)).toString();
        out.println((t.jobId() == null ? "" : t.jobId() + "\t") + object.uri(key) + "\t" + url);
      }
    } finally {
      stores.values().forEach(S3Store::close);
    }
    return 0;
  }

  /**
   * Every {@code object_uri} of a manifest, with its job id, in file order.
   *
   * @throws IllegalArgumentException naming the file and line when a line is not JSON, or when the
   *     manifest has no object URI (a run without {@code --results-to})
   */
  static List<Target> fromManifest(Path manifest) throws IOException {
    List<Target> out = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = Json.mapper().readTree(line);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "--manifest " + manifest.getFileName() + " line " + n + ": not JSON");
      }
      for (JsonNode f : node.path("files")) {
        if (f.hasNonNull("object_uri")) {
          out.add(new Target(node.path("job_id").asText(null), f.get("object_uri").asText()));
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "--manifest "
              + manifest.getFileName()
              + ": no object_uri in it (was the run made with --results-to?)");
    }
    return out;
  }
}
