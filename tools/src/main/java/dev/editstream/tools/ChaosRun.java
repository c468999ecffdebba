package dev.editstream.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.app.BatchTracker;
import dev.editstream.bench.ChildJvm;
import dev.editstream.core.Json;
import dev.editstream.core.event.EventType;
import dev.editstream.core.event.Failure;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.JobEvent;
import dev.editstream.core.event.Topics;
import dev.editstream.emulator.EmulatorStats;
import dev.editstream.pipeline.EventCodec;
import dev.editstream.pipeline.kafka.TopicDump;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * The chaos run behind {@code editstream chaos}: separate processes, SIGKILLs, a broker restart,
 * then the invariants (see {@link ChaosCommand}).
 */
final class ChaosRun {
  private final Path work;
  private final Path examples;
  private final int jobs;
  private final int kills;
  private final long seed;
  private final long timeoutSeconds;
  private final PrintStream out;
  private final Map<String, Proc> procs = new LinkedHashMap<>();
  private final AtomicInteger killCount = new AtomicInteger();
  private final Map<String, Integer> killsPer = new ConcurrentHashMap<>();
  private int brokerPort;
  private int controllerPort;
  private int emulatorPort;
  private int assetPort;
  private final String token = "chaos-" + Long.toHexString(System.nanoTime());

  /**
   * The asset server's HMAC key, shared by every child process of this run: 32 random bytes
   * (base64), new for each run. Never derived from the seed, which is printed and replayable: a key
   * anyone can recompute lets anyone forge signed asset URLs.
   */
  private final String assetKey = newAssetKey();

  ChaosRun(
      Path work,
      Path examples,
      int jobs,
      int kills,
      long seed,
      long timeoutSeconds,
      PrintStream out) {
    this.work = work;
    this.examples = examples;
    this.jobs = jobs;
    this.kills = kills;
    this.seed = seed;
    this.timeoutSeconds = timeoutSeconds;
    this.out = out;
  }

  /** 32 bytes from {@link java.security.SecureRandom}, base64 (44 characters). */
  static String newAssetKey() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return java.util.Base64.getEncoder().encodeToString(key);
  }

  /** A restartable child process. */
  private final class Proc {
    final String name;
    final List<String> args;
    @Nullable Process process;

    Proc(String name, List<String> args) {
      this.name = name;
      this.args = args;
    }

    void start() throws IOException {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  ChildJvm.javaBin(),
                  "-Xmx768m",
                  "-cp",
                  ChildJvm.jarPath(),
                  ToolsCommand.class.getName()));
      cmd.addAll(args);
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(work.resolve(name + ".out").toFile()));
      pb.environment().put("RUNCOMFY_TOKEN", token);
      pb.environment().put("RUNCOMFY_MODEL_API_BASE", "http://127.0.0.1:" + emulatorPort + "/v1");
      pb.environment().put("EDITSTREAM_ASSET_KEY", assetKey);
      pb.environment().put("EDITSTREAM_LOG", work.resolve(name + ".log").toString());
      process = pb.start();
    }

    /** The running process; {@link #start()} comes first. */
    Process started() {
      return Objects.requireNonNull(process, name + " was not started");
    }

    void kill() {
      Process process = started();
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void stop() {
      Process process = started();
      process.destroy();
      try {
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The child process named {@code name} (every one is created up front). */
  private Proc proc(String name) {
    return Objects.requireNonNull(procs.get(name), name);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  Report run() throws Exception {
    dev.editstream.bench.Trees.delete(work);
    Files.createDirectories(work);
    brokerPort = freePort();
    controllerPort = freePort();
    emulatorPort = freePort();
    assetPort = freePort();
    String bootstrap = "localhost:" + brokerPort;
    Path jobFile = work.resolve("jobs.jsonl");
    List<String> ids = ChaosJobs.write(jobFile, examples, jobs);
    Topics topics = Topics.DEFAULT;
    List<String> common =
        List.of(
            "--bootstrap-servers",
            bootstrap,
            "--max-attempts",
            "20",
            "--retry-base-ms",
            "200",
            "--retry-max-ms",
            "4000",
            "--api-timeout-s",
            "5",
            "--job-deadline-s",
            "900",
            "--partitions",
            "4");
    procs.put(
        "broker",
        new Proc(
            "broker",
            List.of(
                "broker",
                "--port",
                "" + brokerPort,
                "--controller-port",
                "" + controllerPort,
                "--data-dir",
                work.resolve("kafka").toString())));
    procs.put(
        "emulator",
        new Proc(
            "emulator",
            List.of(
                "emulator",
                "--port",
                "" + emulatorPort,
                "--token",
                token,
                "--output-dir",
                work.resolve("emulator").toString(),
                "--rate-5xx",
                "0.10",
                "--rate-429",
                "0.05",
                "--slow-rate",
                "0.05",
                "--slow-ms",
                "1500",
                "--hang-rate",
                "0.005",
                "--truncate-rate",
                "0.05",
                "--latency",
                "uniform:300..2500",
                "--concurrency",
                "64",
                "--seed",
                "" + seed)));
    procs.put(
        "router-worker",
        new Proc(
            "router-worker",
            concat(
                List.of("router-worker"),
                common,
                List.of(
                    "--asset-server",
                    "127.0.0.1:" + assetPort,
                    "--allow-input",
                    examples.toString(),
                    "--router-concurrency",
                    "32",
                    "--instance-id",
                    "chaos-router"))));
    procs.put("assets", new Proc("assets", List.of("assets", "--port", "" + assetPort)));
    procs.put(
        "poller-worker",
        new Proc(
            "poller-worker",
            concat(List.of("poller-worker"), common, List.of("--instance-id", "chaos-poller"))));
    procs.put(
        "downloader-worker",
        new Proc(
            "downloader-worker",
            concat(
                List.of("downloader-worker"),
                common,
                List.of(
                    "--out",
                    work.resolve("out").toString(),
                    "--allow-download-host",
                    "127.0.0.1:" + emulatorPort,
                    "--instance-id",
                    "chaos-downloader"))));
    long t0 = System.nanoTime();
    try {
      procs.get("broker").start();
      procs.get("emulator").start();
      procs.get("assets").start();
      waitForPort(brokerPort, Duration.ofSeconds(60));
      waitForPort(emulatorPort, Duration.ofSeconds(60));
      dev.editstream.pipeline.kafka.TopicAdmin.ensureTopics(bootstrap, topics.all(), 4, (short) 0);
      for (String w : List.of("router-worker", "poller-worker", "downloader-worker")) {
        proc(w).start();
      }
      out.println(
          "chaos: broker :"
              + brokerPort
              + ", emulator :"
              + emulatorPort
              + ", 3 workers; producing "
              + jobs
              + " jobs");
      Instant since = Instant.now().minusSeconds(1);
      try (BatchTracker tracker = new BatchTracker(bootstrap, topics, since)) {
        tracker.expect(ids);
        runProcess(
            List.of(
                "produce",
                jobFile.toString(),
                "--bootstrap-servers",
                bootstrap,
                "--allow-input",
                examples.toString()));
        Thread killer = new Thread(this::killSchedule, "chaos-killer");
        killer.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        long lastPrint = 0;
        while ((!tracker.allTerminal() || killer.isAlive()) && System.nanoTime() < deadline) {
          if (System.nanoTime() - lastPrint > 5_000_000_000L) {
            out.println(
                tracker.progressLine(Duration.ofNanos(System.nanoTime() - t0))
                    + " | kills "
                    + killCount.get());
            lastPrint = System.nanoTime();
          }
          Thread.sleep(500);
        }
        killer.interrupt();
        killer.join(60_000);
        out.println(
            tracker.progressLine(Duration.ofNanos(System.nanoTime() - t0))
                + " | kills "
                + killCount.get());
      }
      Duration wall = Duration.ofNanos(System.nanoTime() - t0);
      for (String w : List.of("router-worker", "poller-worker", "downloader-worker")) {
        proc(w).stop();
      }
      JsonNode stats =
          Json.mapper()
              .readTree(
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(
                                  URI.create(
                                      "http://127.0.0.1:" + emulatorPort + "/_emulator/stats"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
      return check(bootstrap, topics, ids, stats, wall);
    } finally {
      for (Proc p : procs.values()) {
        if (p.process != null && p.process.isAlive()) {
          p.stop();
        }
      }
    }
  }

  private void runProcess(List<String> args) throws Exception {
    Proc p = new Proc("produce", args);
    p.start();
    p.started().waitFor();
  }

  // try: the socket only proves the port answers; AddressSelection: a literal IP, never looked up
  @SuppressWarnings({"try", "AddressSelection"})
  private static void waitForPort(int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException(
        "port " + port + " did not open within " + timeout.toSeconds() + " s");
  }

  /**
   * Kills each worker {@code kills} times and the broker once, at random moments while jobs flow.
   */
  private void killSchedule() {
    Random r = new Random(seed);
    List<String> events = new ArrayList<>();
    for (int k = 0; k < kills; k++) {
      events.addAll(List.of("router-worker", "poller-worker", "downloader-worker"));
    }
    java.util.Collections.shuffle(events, r);
    events.add(events.size() / 2, "broker");
    try {
      for (String name : events) {
        Thread.sleep(2000 + r.nextInt(8000));
        Proc p = proc(name);
        if (name.equals("broker")) {
          // the broker is restarted (SIGTERM, controlled shutdown); workers are killed with SIGKILL
          out.println("chaos: restart broker (SIGTERM)");
          p.stop();
        } else {
          out.println("chaos: kill -9 " + name);
          p.kill();
        }
        killCount.incrementAndGet();
        killsPer.merge(name, 1, Integer::sum);
        Thread.sleep(name.equals("broker") ? 3000 : 500 + r.nextInt(2500));
        p.start();
        out.println("chaos: restarted " + name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      out.println("chaos: restart failed: " + e);
    }
  }

  private static List<String> concat(List<String> a, List<String> b, List<String> c) {
    List<String> l = new ArrayList<>(a);
    l.addAll(b);
    l.addAll(c);
    return l;
  }

  /** The figures and invariants of a chaos run. */
  record Report(
      int jobs,
      int kills,
      Map<String, Integer> killsPer,
      long retries,
      int done,
      Map<Integer, Integer> failedByClass,
      Map<String, Integer> failedByReason,
      int noTerminal,
      int bothStates,
      int twoDone,
      int twoFailed,
      int shaMismatches,
      int manifestMissing,
      Map<Long, Integer> postsPerJob,
      int postedTwice,
      int postedTwiceReported,
      int mayHaveBeenSubmitted,
      long statusCalls,
      long faults429,
      long errors5xx,
      Duration wall) {

    boolean invariantsHold() {
      return noTerminal == 0
          && bothStates == 0
          && twoDone == 0
          && twoFailed == 0
          && shaMismatches == 0
          && manifestMissing == 0
          && postedTwice == postedTwiceReported;
    }

    String markdown() {
      StringBuilder b = new StringBuilder();
      b.append("| figure | value |\n|---|---|\n");
      b.append("| jobs | ").append(jobs).append(" |\n");
      b.append("| wall time | ")
          .append(String.format("%.0f s", wall.toMillis() / 1000.0))
          .append(" |\n");
      b.append("| worker kills (SIGKILL) and broker restarts | ")
          .append(kills)
          .append(" ")
          .append(new TreeMap<>(killsPer))
          .append(" |\n");
      b.append("| retries through delay topics | ").append(retries).append(" |\n");
      b.append("| emulator: 429 answered (fault) / 5xx answered / status calls | ")
          .append(faults429)
          .append(" / ")
          .append(errors5xx)
          .append(" / ")
          .append(statusCalls)
          .append(" |\n");
      b.append("| done | ").append(done).append(" |\n");
      b.append("| failed, by class | ").append(new TreeMap<>(failedByClass)).append(" |\n");
      b.append("| failed, by reason | ").append(new TreeMap<>(failedByReason)).append(" |\n");
      b.append("| jobs without a terminal state | ").append(noTerminal).append(" |\n");
      b.append("| jobs both done and failed | ").append(bothStates).append(" |\n");
      b.append("| jobs with two `done` events | ").append(twoDone).append(" |\n");
      b.append("| jobs with two `failed` events | ").append(twoFailed).append(" |\n");
      b.append("| output files whose sha256 differs from the manifest | ")
          .append(shaMismatches)
          .append(" |\n");
      b.append("| done jobs missing from the manifest | ").append(manifestMissing).append(" |\n");
      b.append("| accepted POSTs per job (emulator's count) → jobs | ")
          .append(new TreeMap<>(postsPerJob))
          .append(" |\n");
      b.append("| jobs POSTed (accepted) twice / of them reported \"may have been submitted\" | ")
          .append(postedTwice)
          .append(" / ")
          .append(postedTwiceReported)
          .append(" |\n");
      b.append("| jobs failed as \"may have been submitted\" | ")
          .append(mayHaveBeenSubmitted)
          .append(" |\n");
      b.append("| invariants hold | ").append(invariantsHold() ? "yes" : "NO").append(" |\n");
      return b.toString();
    }
  }

  private Report check(
      String bootstrap, Topics topics, List<String> ids, JsonNode stats, Duration wall)
      throws Exception {
    Map<String, Integer> doneCount = new HashMap<>();
    Map<String, Integer> failedCount = new HashMap<>();
    Map<String, JobEvent> failedEvent = new HashMap<>();
    Map<String, String> bodyHashToJob = new HashMap<>();
    long retries = 0;
    for (ConsumerRecord<String, byte[]> r :
        TopicDump.readAll(
            bootstrap,
            List.of(topics.done(), topics.failed(), topics.submitted()),
            Duration.ofMinutes(2))) {
      JobEvent e;
      try {
        e = EventCodec.decode(r.value());
      } catch (IllegalArgumentException ex) {
        continue;
      }
      if (e.type() == EventType.DONE) {
        doneCount.merge(e.jobId(), 1, Integer::sum);
        retries += e.history().size();
      } else if (e.type() == EventType.FAILED) {
        failedCount.merge(e.jobId(), 1, Integer::sum);
        failedEvent.put(e.jobId(), e);
        retries += Math.max(0, e.history().size());
      } else if (e.type() == EventType.SUBMITTED && e.body() != null) {
        bodyHashToJob.put(EmulatorStats.bodyHash(Json.mapper().valueToTree(e.body())), e.jobId());
      }
    }
    int noTerminal = 0;
    int both = 0;
    int twoDone = 0;
    int twoFailed = 0;
    int done = 0;
    Map<Integer, Integer> byClass = new HashMap<>();
    Map<String, Integer> byReason = new HashMap<>();
    Set<String> mayHave = new java.util.HashSet<>();
    for (String id : ids) {
      int d = doneCount.getOrDefault(id, 0);
      int f = failedCount.getOrDefault(id, 0);
      if (d == 0 && f == 0) {
        noTerminal++;
      }
      if (d > 0 && f > 0) {
        both++;
      }
      if (d > 1) {
        twoDone++;
      }
      if (f > 1) {
        twoFailed++;
      }
      if (d > 0) {
        done++;
      }
      if (f > 0) {
        // a failed job's last failed event, kept with its count
        Failure failure =
            Objects.requireNonNull(
                Objects.requireNonNull(failedEvent.get(id), id).failure(), "failure");
        byClass.merge(failure.exitClass().code(), 1, Integer::sum);
        byReason.merge(failure.reasonText(), 1, Integer::sum);
        if (failure.reason() == FailureReason.MAY_HAVE_BEEN_SUBMITTED) {
          mayHave.add(id);
        }
      }
    }
    int[] manifest = checkManifest(doneCount.keySet());
    Map<Long, Integer> postsPerJob = new TreeMap<>();
    int postedTwice = 0;
    int postedTwiceReported = 0;
    JsonNode perHash = stats.path("submits_per_body_hash");
    for (var e : perHash.properties()) {
      long n = e.getValue().asLong();
      postsPerJob.merge(n, 1, Integer::sum);
      if (n > 1) {
        postedTwice++;
        String job = bodyHashToJob.get(e.getKey());
        if (job == null || mayHave.contains(job)) {
          postedTwiceReported++;
        }
      }
    }
    return new Report(
        ids.size(),
        killCount.get(),
        Map.copyOf(killsPer),
        retries,
        done,
        byClass,
        byReason,
        noTerminal,
        both,
        twoDone,
        twoFailed,
        manifest[0],
        manifest[1],
        postsPerJob,
        postedTwice,
        postedTwiceReported,
        mayHave.size(),
        stats.path("status_calls").asLong(),
        stats.path("rejections_429").path("fault").asLong(),
        stats.path("errors_5xx").asLong(),
        wall);
  }

  /** [sha mismatches, done jobs missing from the manifest]. */
  private int[] checkManifest(Set<String> doneJobs) throws Exception {
    Path out = work.resolve("out");
    Path manifest = out.resolve("manifest.jsonl");
    Set<String> listed = new java.util.HashSet<>();
    int mismatches = 0;
    if (Files.exists(manifest)) {
      for (String line : Files.readAllLines(manifest)) {
        JsonNode n = Json.mapper().readTree(line);
        listed.add(n.path("job_id").asText());
        for (JsonNode f : n.path("files")) {
          Path p = out.resolve(f.path("path").asText());
          if (!Files.exists(p)
              || !HexFormat.of()
                  .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                  .equals(f.path("sha256").asText())) {
            mismatches++;
          }
        }
      }
    }
    int missing = 0;
    for (String id : doneJobs) {
      if (!listed.contains(id)) {
        missing++;
      }
    }
    return new int[] {mismatches, missing};
  }
}
