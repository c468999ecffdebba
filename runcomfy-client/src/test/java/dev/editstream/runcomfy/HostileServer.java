package dev.editstream.runcomfy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Flux;

/**
 * A malicious HTTP/1.1 server on 127.0.0.1:0 that writes raw bytes, so a test controls what no
 * well-behaved server library would send (lying Content-Length, huge headers, trickled bodies,
 * control characters in headers). One thread per connection; each request is answered by the {@link
 * Answer} and the connection is then closed. Records every request line.
 */
final class HostileServer implements AutoCloseable {
  /** Writes one answer; may block (it runs on the connection's own thread). */
  @FunctionalInterface
  interface Answer {
    void write(String requestLine, OutputStream out) throws IOException;
  }

  private final ServerSocket socket;
  private final Answer answer;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> heads = new CopyOnWriteArrayList<>();

  HostileServer(Answer answer) {
    this.answer = answer;
    try {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Thread t = new Thread(this::acceptLoop, "hostile-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  String hostPort() {
    return "127.0.0.1:" + port();
  }

  String url(String path) {
    return "http://" + hostPort() + path;
  }

  /** Request lines seen, e.g. {@code GET /x HTTP/1.1}. */
  List<String> requests() {
    return requests;
  }

  /** Full request heads seen (request line and headers). */
  List<String> heads() {
    return heads;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        Thread t = new Thread(() -> serve(s), "hostile-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      long length = contentLength(head);
      in.skipNBytes(length);
      String line = head.substring(0, head.indexOf("\r\n"));
      requests.add(line);
      heads.add(head);
      OutputStream out = s.getOutputStream();
      answer.write(line, out);
      out.flush();
    } catch (IOException | RuntimeException e) {
      // the client went away: expected in most cases
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      int n = b.size();
      byte[] a = b.toByteArray();
      if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
        return b.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  private static long contentLength(String head) {
    for (String h : head.split("\r\n")) {
      if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Long.parseLong(h.substring(15).trim());
      }
    }
    return 0;
  }

  // ---- answers ----

  /** A complete answer with the given status line, headers (each {@code Name: value}) and body. */
  static Answer fixed(String status, List<String> headers, byte[] body) {
    return (line, out) -> {
      StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append("\r\n");
      headers.forEach(h -> sb.append(h).append("\r\n"));
      sb.append("Connection: close\r\n\r\n");
      out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
    };
  }

  /** A 200 JSON answer with a correct Content-Length. */
  static Answer json(int status, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return fixed(
        status + " X", List.of("Content-Type: application/json", "Content-Length: " + b.length), b);
  }

  /** A 302 to {@code location}, written as given (any bytes). */
  static Answer redirect(String location) {
    return fixed("302 Found", List.of("Location: " + location, "Content-Length: 0"), new byte[0]);
  }

  /** {@code total} bytes of {@code fill}, chunked or with a Content-Length, 64 KiB at a time. */
  static Answer big(long total, boolean chunked, byte fill) {
    return (line, out) -> {
      String h =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + total + "\r\n")
              + "Connection: close\r\n\r\n";
      out.write(h.getBytes(StandardCharsets.ISO_8859_1));
      byte[] piece = new byte[64 * 1024];
      java.util.Arrays.fill(piece, fill);
      for (long sent = 0; sent < total; sent += piece.length) {
        int n = (int) Math.min(piece.length, total - sent);
        if (chunked) {
          out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        out.write(piece, 0, n);
        if (chunked) {
          out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
      }
      if (chunked) {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      }
    };
  }

  /**
   * A 200 whose body of {@code n} bytes comes one byte every {@code every} (paced by a timer on the
   * server's connection thread), with a Content-Length of {@code n}.
   */
  static Answer trickle(int n, Duration every) {
    return (line, out) -> {
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                  + n
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      for (Long ignored : Flux.interval(every).take(n).toIterable()) {
        out.write('x');
        out.flush();
      }
    };
  }

  /** Sends the status line and then nothing, until the client leaves. */
  static Answer silentAfterStatus() {
    return (line, out) -> {
      out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Flux.never().blockLast(Duration.ofSeconds(30));
    };
  }
}
