package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.WriteTimeoutException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.http.client.PrematureCloseException;

class TransportErrorClassifierTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            new TimeoutException("Did not observe any item"), ExitClass.TEMPFAIL, "timeout"),
        Arguments.of(ReadTimeoutException.INSTANCE, ExitClass.TEMPFAIL, "timeout"),
        Arguments.of(WriteTimeoutException.INSTANCE, ExitClass.TEMPFAIL, "timeout"),
        Arguments.of(
            new ConnectTimeoutException("connection timed out: /10.0.0.1:443"),
            ExitClass.TEMPFAIL,
            "timeout"),
        Arguments.of(new SocketTimeoutException("Read timed out"), ExitClass.TEMPFAIL, "timeout"),
        Arguments.of(
            new ConnectException("Connection refused: /127.0.0.1:1"),
            ExitClass.UNAVAILABLE,
            "connect_failed"),
        Arguments.of(
            new IOException("finishConnect(..) failed: Connection refused"),
            ExitClass.UNAVAILABLE,
            "connect_failed"),
        Arguments.of(
            new SocketException("Connection reset"), ExitClass.UNAVAILABLE, "connection_reset"),
        Arguments.of(
            new IOException("recvAddress(..) failed: Connection reset by peer"),
            ExitClass.UNAVAILABLE,
            "connection_reset"),
        Arguments.of(
            new IOException("writev(..) failed: Broken pipe"),
            ExitClass.UNAVAILABLE,
            "connection_reset"),
        Arguments.of(
            PrematureCloseException.TEST_EXCEPTION, ExitClass.UNAVAILABLE, "connection_reset"),
        Arguments.of(new ClosedChannelException(), ExitClass.UNAVAILABLE, "connection_reset"),
        Arguments.of(new IOException("No space left on device"), ExitClass.TEMPFAIL, "disk_full"),
        Arguments.of(
            new UnknownHostException("nowhere.invalid"), ExitClass.UNAVAILABLE, "unknown_host"),
        Arguments.of(
            new IllegalStateException("resolve", new UnknownHostException("nowhere.invalid")),
            ExitClass.UNAVAILABLE,
            "unknown_host"),
        Arguments.of(
            new SSLHandshakeException("PKIX path building failed"),
            ExitClass.UNAVAILABLE,
            "tls_handshake"),
        Arguments.of(
            new DecoderException(
                new SSLHandshakeException("Received fatal alert: handshake_failure")),
            ExitClass.UNAVAILABLE,
            "tls_handshake"),
        Arguments.of(
            new SslHandshakeTimeoutException("handshake timed out after 10000ms"),
            ExitClass.UNAVAILABLE,
            "tls_handshake"),
        Arguments.of(
            new SSLHandshakeException("Connection reset during handshake"),
            ExitClass.UNAVAILABLE,
            "tls_handshake"),
        Arguments.of(
            new SSLException("Received fatal alert: bad_record_mac"), ExitClass.OTHER, "tls"),
        Arguments.of(new NotSslRecordException("not an SSL/TLS record"), ExitClass.OTHER, "tls"),
        Arguments.of(new NoRouteToHostException("No route to host"), ExitClass.OTHER, "network"),
        Arguments.of(new IOException("something odd"), ExitClass.OTHER, "network"),
        Arguments.of(new IOException((String) null), ExitClass.OTHER, "network"),
        Arguments.of(
            new JsonParseException(null, "Unexpected character"), ExitClass.OTHER, "bad_response"),
        Arguments.of(new IllegalStateException("bug"), ExitClass.OTHER, "unexpected"),
        Arguments.of(null, ExitClass.OTHER, "unexpected"),
        Arguments.of(
            new StageException(ExitClass.DATA, FailureReason.TOO_LARGE, "x"),
            ExitClass.DATA,
            "too_large"),
        Arguments.of(
            new StageException(
                ExitClass.TEMPFAIL, FailureReason.HTTP_429, "x", Duration.ofSeconds(1)),
            ExitClass.TEMPFAIL,
            "http_429"),
        Arguments.of(
            new RuntimeException("wrapped", new ConnectException("refused")),
            ExitClass.UNAVAILABLE,
            "connect_failed"),
        Arguments.of(
            new UncheckedIOException(new IOException("No space left on device")),
            ExitClass.TEMPFAIL,
            "disk_full"),
        Arguments.of(
            new IllegalStateException(
                "outer", new RuntimeException("mid", ReadTimeoutException.INSTANCE)),
            ExitClass.TEMPFAIL,
            "timeout"));
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @MethodSource("cases")
  void shouldClassifyTransportFailures(Throwable error, ExitClass cls, String reason) {
    assertThat(TransportErrorClassifier.classify(error))
        .isEqualTo(new TransportError(cls, FailureReason.fromWire(reason)));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "connect_failed,true",
    "unknown_host,true",
    "tls_handshake,true",
    "connection_reset,false",
    "timeout,false",
    "tls,false",
    "network,false",
    "unexpected,false",
    "http_502,false"
  })
  void shouldSayNothingWasSentOnlyForFailuresBeforeTheRequestLeft(String reason, boolean none) {
    assertThat(TransportErrorClassifier.nothingSent(FailureReason.fromWire(reason)))
        .isEqualTo(none);
  }

  @org.junit.jupiter.api.Test
  void shouldNotSayNothingWasSentForAMissingReason() {
    assertThat(TransportErrorClassifier.nothingSent(null)).isFalse();
  }

  @org.junit.jupiter.api.Test
  void shouldPreferTimeoutOverConnectForNettyConnectTimeout() {
    // ConnectTimeoutException extends ConnectException: it must stay a timeout.
    assertThat(new ConnectTimeoutException("x")).isInstanceOf(ConnectException.class);
    assertThat(TransportErrorClassifier.classify(new ConnectTimeoutException("x")).reasonText())
        .isEqualTo("timeout");
  }

  @org.junit.jupiter.api.Test
  void shouldStopOnSelfReferencingOrDeepCauseChains() {
    Throwable deep = new IllegalStateException("0");
    for (int i = 0; i < 20; i++) {
      deep = new IllegalStateException(Integer.toString(i), deep);
    }
    assertThat(TransportErrorClassifier.classify(deep))
        .isEqualTo(new TransportError(ExitClass.OTHER, FailureReason.UNEXPECTED));
  }
}
