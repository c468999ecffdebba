package dev.editstream.runcomfy;

import com.fasterxml.jackson.core.JacksonException;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.jspecify.annotations.Nullable;

/**
 * Classifies a throwable raised below HTTP (connect, read, timeout, local disk) into an {@link
 * ExitClass} and reason. Pure: looks only at exception types (JDK ones, and Netty's by class name)
 * and messages, walking the cause chain.
 *
 * <p><b>editstream's policy.</b> RunComfy's CLI maps every network error to class 1 (OTHER) and
 * client timeouts to 75. editstream keeps timeouts at {@link ExitClass#TEMPFAIL} ({@code timeout})
 * and treats as {@link ExitClass#UNAVAILABLE} (69, retried after backoff):
 *
 * <ul>
 *   <li>failures before any byte of the request was sent, so no request can have been created and a
 *       paid POST may be sent again ({@link #nothingSent}): a refused connection ({@code
 *       connect_failed}), an unknown host ({@code unknown_host}: the name did not resolve) and a
 *       failed TLS handshake ({@code tls_handshake}, a {@link SSLHandshakeException}: the request
 *       is only written once the handshake succeeded);
 *   <li>a reset or prematurely closed connection ({@code connection_reset}): what a restarting or
 *       overloaded upstream looks like, but it may come after the body was sent, so for a submit it
 *       is uncertain whether RunComfy created the request ({@code runcomfy-live-contract.md} §4:
 *       RunComfy's own clients never re-send a paid POST after such an answer).
 * </ul>
 *
 * <p>A full disk is {@link ExitClass#TEMPFAIL} ({@code disk_full}: space may be freed). Other TLS
 * errors ({@code tls}, e.g. a record error mid-stream) and other I/O errors ({@code network}) stay
 * OTHER as in the CLI; an unparseable answer is OTHER {@code bad_response}; an {@link
 * StageException} keeps its own class.
 *
 * <p>Order matters: a connect timeout is a {@link ConnectException} subclass in Netty, so timeouts
 * are recognised first; a handshake failure is recognised before resets, since a peer that drops
 * the connection during the handshake still received no request.
 */
public final class TransportErrorClassifier {
  private static final int MAX_DEPTH = 8;

  /**
   * Whether {@code t} is Netty's {@code TooLongFrameException} (or a subclass such as {@code
   * TooLongHttpHeaderException}): an answer whose status line or headers exceed the decoder's
   * limits (8 KiB of headers by default). Looked up by class name, as elsewhere here.
   */
  public static boolean isTooLongFrame(Throwable t) {
    for (Class<?> c = t == null ? null : t.getClass(); c != null; c = c.getSuperclass()) {
      if (c.getName().equals("io.netty.handler.codec.TooLongFrameException")) {
        return true;
      }
    }
    return false;
  }

  /** The reasons given to failures that happened before any byte of the request was sent. */
  private static final Set<FailureReason> NOTHING_SENT =
      Set.of(FailureReason.CONNECT_FAILED, FailureReason.UNKNOWN_HOST, FailureReason.TLS_HANDSHAKE);

  private TransportErrorClassifier() {}

  /**
   * Whether a reason of {@link #classify} means no byte of the request left this process, so a paid
   * POST cannot have created a request and may be sent again: {@code connect_failed}, {@code
   * unknown_host}, {@code tls_handshake}. Every other reason ({@code timeout}, {@code
   * connection_reset}, ...) may come after the body was sent.
   */
  public static boolean nothingSent(FailureReason reason) {
    return reason != null && NOTHING_SENT.contains(reason);
  }

  /**
   * @param error any throwable, or {@code null} (gives OTHER {@code unexpected})
   * @return the class and reason of the first recognised throwable in the cause chain
   */
  public static TransportError classify(@Nullable Throwable error) {
    Throwable t = error;
    for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
      TransportError c = classifyOne(t);
      if (c != null) {
        return c;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return new TransportError(ExitClass.OTHER, FailureReason.UNEXPECTED);
  }

  private static @Nullable TransportError classifyOne(Throwable t) {
    if (t instanceof StageException s) {
      return new TransportError(s.exitClass(), s.reason(), s.reasonText());
    }
    String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
    if (isTimeout(t)) {
      return new TransportError(ExitClass.TEMPFAIL, FailureReason.TIMEOUT);
    }
    if (message.contains("no space left")) {
      return new TransportError(ExitClass.TEMPFAIL, FailureReason.DISK_FULL);
    }
    if (t instanceof SSLHandshakeException) {
      return new TransportError(ExitClass.UNAVAILABLE, FailureReason.TLS_HANDSHAKE);
    }
    if (t instanceof UnknownHostException) {
      return new TransportError(ExitClass.UNAVAILABLE, FailureReason.UNKNOWN_HOST);
    }
    if (t instanceof ConnectException || message.contains("connection refused")) {
      return new TransportError(ExitClass.UNAVAILABLE, FailureReason.CONNECT_FAILED);
    }
    if (isReset(t, message)) {
      return new TransportError(ExitClass.UNAVAILABLE, FailureReason.CONNECTION_RESET);
    }
    if (t instanceof JacksonException) {
      return new TransportError(ExitClass.OTHER, FailureReason.BAD_RESPONSE);
    }
    if (t instanceof SSLException) {
      return new TransportError(ExitClass.OTHER, FailureReason.TLS);
    }
    if (t instanceof IOException) {
      return new TransportError(ExitClass.OTHER, FailureReason.NETWORK);
    }
    return null;
  }

  private static boolean isTimeout(Throwable t) {
    if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
      return true;
    }
    // Netty: io.netty.handler.timeout.ReadTimeoutException / WriteTimeoutException (both extend
    // io.netty.handler.timeout.TimeoutException) and io.netty.channel.ConnectTimeoutException.
    for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
      String n = c.getName();
      if (n.equals("io.netty.handler.timeout.TimeoutException")
          || n.equals("io.netty.channel.ConnectTimeoutException")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isReset(Throwable t, String message) {
    if (t.getClass().getName().equals("reactor.netty.http.client.PrematureCloseException")) {
      return true;
    }
    if (t instanceof ClosedChannelException) {
      return true;
    }
    return (t instanceof SocketException || t instanceof IOException)
        && (message.contains("connection reset")
            || message.contains("broken pipe")
            || message.contains("prematurely closed"));
  }
}
