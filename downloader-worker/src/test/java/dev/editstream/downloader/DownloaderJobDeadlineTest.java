package dev.editstream.downloader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.event.Submission;
import dev.editstream.core.event.Topics;
import dev.editstream.core.job.Job;
import dev.editstream.pipeline.metrics.PipelineMetrics;
import dev.editstream.runcomfy.DownloadConfig;
import dev.editstream.runcomfy.DownloadPolicy;
import dev.editstream.runcomfy.OutputDownloader;
import dev.editstream.runcomfy.RunComfyClient;
import dev.editstream.runcomfy.RunComfyConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * Issue 14, defect 10 through the handler: a download of a {@code completed} job is bounded by the
 * job's own deadline (submission + {@link DownloaderHandler.Builder#jobDeadline}), not only by the
 * downloader's 30 min limit. A real server on loopback answers the result call ({@code GET
 * /v1/requests/req-1/result}, RunComfy's documented shape) and then, for the output, sends its
 * headers and one byte of a 1,000-byte body, then nothing (a stalled trickle).
 */
class DownloaderJobDeadlineTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  ServerSocket server;
  Thread acceptor;
  final AtomicInteger requests = new AtomicInteger();
  OutputDownloader downloader;
  DownloadPolicy policy;
  RunComfyClient client;

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = daemon(this::serve);
    policy =
        DownloadPolicy.runComfyDefault()
            .withLocalHosts(Set.of("127.0.0.1:" + server.getLocalPort()));
    // the configured whole-download limit stays the default 30 min (read inactivity too long to
    // matter)
    downloader = new OutputDownloader(policy, DownloadConfig.defaults(), Clock.systemUTC());
    client =
        new RunComfyClient(
            RunComfyConfig.of("http://127.0.0.1:" + server.getLocalPort() + "/v1", "t-secret")
                .withResponseTimeout(Duration.ofSeconds(10)));
  }

  @AfterEach
  void stop() throws IOException {
    downloader.close();
    client.close();
    server.close();
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "stalling-server");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * Answers a result call with the completed result naming {@link #outputUrl()}; any other request
   * (the output) with a head and one byte, then waits until the client leaves.
   */
  private void serve() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        daemon(() -> stall(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void stall(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      byte[] buf = new byte[8192];
      int n = in.read(buf);
      String head = n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
      if (head.startsWith("GET /v1/requests/req-1/result")) {
        byte[] body =
            ("{\"request_id\":\"req-1\",\"status\":\"completed\",\"output\":{\"images\":[\""
                    + outputUrl()
                    + "\"]},\"error\":null}")
                .getBytes(StandardCharsets.UTF_8);
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        return;
      }
      requests.incrementAndGet();
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\nx")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      while (in.read(buf) >= 0) {
        // hold the connection open until the downloader gives up
      }
    } catch (IOException e) {
      // the client left
    }
  }

  private String outputUrl() {
    return "http://127.0.0.1:" + server.getLocalPort() + "/o.png";
  }

  private DownloaderHandler handler(Duration jobDeadline) {
    return DownloaderHandler.builder()
        .client(client)
        .downloader(downloader)
        .policy(policy)
        .outDir(dir.resolve("out"))
        .manifest(new Manifest(dir.resolve("out")))
        .topics(new Topics("jd"))
        .clock(Clock.systemUTC())
        .parallelPerJob(2)
        .metrics(new PipelineMetrics(new SimpleMeterRegistry()))
        .jobDeadline(jobDeadline)
        .build();
  }

  /** A completed event whose request was submitted at {@code submittedAt}. */
  private JobEvent completed(Instant submittedAt) {
    String url = outputUrl();
    Job job =
        new Job(
            "job-d",
            "add a red scarf",
            List.of("https://a.example/1.jpg"),
            null,
            null,
            "m/x",
            Map.of(),
            null);
    return JobEvent.requested(job, submittedAt)
        .submitted(
            new RouteDecision("m/x", "explicit-model", List.of()),
            Map.of(),
            new Submission("req-1", null, null, null, submittedAt),
            submittedAt)
        .completed(List.of(url), Instant.now());
  }

  @Test
  void aStalledDownloadEndsAtTheJobDeadlineWithANonRetryableFailure() throws IOException {
    // submitted 4 s ago with a 5 s job deadline: 1 s left, far less than the downloader's 30 min
    JobEvent event = completed(Instant.now().minusSeconds(4));
    long start = System.nanoTime();
    StepVerifier.create(handler(Duration.ofSeconds(5)).handle(event))
        .expectErrorSatisfies(
            e -> {
              assertThat(e).isInstanceOf(StageException.class);
              StageException se = (StageException) e;
              assertThat(se.exitClass()).isEqualTo(ExitClass.OTHER);
              assertThat(se.exitClass().retryable()).isFalse();
              assertThat(se.reasonText()).isEqualTo("download_deadline");
            })
        .verify(WAIT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(requests).hasValue(1);
    assertThat(regularFiles(dir.resolve("out"))).isEmpty();
  }

  @Test
  void aJobPastItsDeadlineDownloadsNothing() throws IOException {
    JobEvent event = completed(Instant.now().minus(Duration.ofHours(1)));
    StepVerifier.create(handler(Duration.ofMinutes(10)).handle(event))
        .expectErrorSatisfies(
            e -> {
              assertThat(((StageException) e).exitClass()).isEqualTo(ExitClass.OTHER);
              assertThat(((StageException) e).reasonText()).isEqualTo("download_deadline");
            })
        .verify(WAIT);
    assertThat(requests).hasValue(0);
    assertThat(regularFiles(dir.resolve("out"))).isEmpty();
  }

  private static List<Path> regularFiles(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }
}
