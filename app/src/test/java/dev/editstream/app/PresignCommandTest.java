package dev.editstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.editstream.locals3.LocalS3;
import dev.editstream.storage.S3Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code editstream presign} against S3Proxy: URLs that fetch the stored bytes, lines as
 * documented, bad input named.
 */
class PresignCommandTest {
  @TempDir static Path dir;
  static LocalS3 s3;
  static String sha;

  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.start(null, "presign-it");
    Path f = Files.writeString(dir.resolve("out.png"), "pretend output bytes");
    sha =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    try (S3Store store = S3Store.open(s3.settings("out", "--results-to"))) {
      store.putResult(f, "job-1/out.png", sha, "image/png").block();
    }
  }

  @AfterAll
  static void stop() {
    s3.close();
  }

  /** Parses {@code args} as the CLI would and runs the command, printing into {@code out}. */
  static int run(ByteArrayOutputStream out, String... args) throws Exception {
    PresignCommand cmd = new PresignCommand();
    new CommandLine(cmd).parseArgs(args);
    cmd.s3.endpoint = s3.endpoint();
    cmd.s3.pathStyle = true;
    cmd.s3.accessKey = s3.accessKey();
    cmd.s3.secretKey = s3.secret();
    cmd.out = new PrintStream(out, true, StandardCharsets.UTF_8);
    return cmd.call();
  }

  static HttpResponse<byte[]> get(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void shouldPrintAUrlThatFetchesTheObject() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(run(out, "s3://presign-it/out/job-1/out.png", "--expires-min", "5")).isZero();
    String[] cols = out.toString(StandardCharsets.UTF_8).trim().split("\t");
    assertThat(cols).hasSize(2);
    assertThat(cols[0]).isEqualTo("s3://presign-it/out/job-1/out.png");
    assertThat(cols[1])
        .startsWith(s3.endpoint() + "/presign-it/out/job-1/out.png?")
        .contains("X-Amz-Expires=300");
    HttpResponse<byte[]> r = get(cols[1]);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("pretend output bytes");
  }

  @Test
  void shouldSignEveryObjectOfAManifestWithItsJobId() throws Exception {
    Path manifest =
        Files.write(
            dir.resolve("manifest.jsonl"),
            List.of(
                "{\"job_id\":\"job-1\",\"files\":[{\"path\":\"job-1/out.png\",\"sha256\":\""
                    + sha
                    + "\",\"object_uri\":\"s3://presign-it/out/job-1/out.png\"}]}",
                "",
                "{\"job_id\":\"job-2\",\"files\":[{\"path\":\"job-2/a.png\"}]}"),
            StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(run(out, "--manifest", manifest.toString())).isZero();
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(1);
    String[] cols = lines.get(0).split("\t");
    assertThat(cols[0]).isEqualTo("job-1");
    assertThat(cols[1]).isEqualTo("s3://presign-it/out/job-1/out.png");
    assertThat(cols[2]).contains("X-Amz-Expires=3600");
    assertThat(get(cols[2]).statusCode()).isEqualTo(200);
  }

  @Test
  void shouldNameTheRuleForBadInput() throws Exception {
    assertThatThrownBy(
            () ->
                run(
                    new ByteArrayOutputStream(),
                    "s3://presign-it/out/job-1/out.png",
                    "--expires-min",
                    "10081"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--expires-min must be 1 to 10080");
    assertThatThrownBy(() -> run(new ByteArrayOutputStream()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nothing to sign");
    assertThatThrownBy(() -> run(new ByteArrayOutputStream(), "s3://presign-it"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names a bucket, not an object");
    assertThatThrownBy(() -> run(new ByteArrayOutputStream(), "https://presign-it/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start with s3://");
    Path noUris =
        Files.write(
            dir.resolve("plain.jsonl"),
            List.of("{\"job_id\":\"j\",\"files\":[{\"path\":\"j/a.png\"}]}"));
    assertThatThrownBy(() -> run(new ByteArrayOutputStream(), "--manifest", noUris.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no object_uri in it");
    Path notJson = Files.write(dir.resolve("bad.jsonl"), List.of("{", "x"));
    assertThatThrownBy(() -> run(new ByteArrayOutputStream(), "--manifest", notJson.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 1: not JSON");
  }

  @Test
  void shouldExit64ForABadLifetimeThroughTheCli() {
    int code =
        EditstreamCommand.commandLine()
            .execute("presign", "s3://presign-it/x/y", "--expires-min", "0");
    assertThat(code).isEqualTo(64);
  }
}
