package dev.editstream.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/** A small blocking facade over a Reactor Netty HttpClient, for test threads only. */
final class TestHttp {
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  /** One answer. */
  record Resp(int status, HttpHeaders headers, byte[] body) {
    JsonNode json() {
      try {
        return Json.mapper().readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
      }
    }
  }

  private final HttpClient client;
  private final String token;

  TestHttp(String token) {
    this(token, TIMEOUT);
  }

  TestHttp(String token, Duration responseTimeout) {
    this.token = token;
    this.client = HttpClient.newConnection().responseTimeout(responseTimeout);
  }

  Resp get(String url) {
    return exchange("GET", url, null).block(TIMEOUT.plusSeconds(5));
  }

  Resp post(String url, String body) {
    return exchange("POST", url, body).block(TIMEOUT.plusSeconds(5));
  }

  Resp post(String url, JsonNode body) {
    return post(url, body.toString());
  }

  Mono<Resp> exchange(String method, String url, String body) {
    HttpClient c =
        client.headers(
            h -> {
              if (token != null) {
                h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
              }
              if (body != null) {
                h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
              }
            });
    HttpClient.ResponseReceiver<?> r =
        "GET".equals(method)
            ? c.get().uri(url)
            : c.post()
                .uri(url)
                .send(
                    body == null
                        ? Mono.empty()
                        : reactor.netty.ByteBufFlux.fromString(Mono.just(body)));
    return r.responseSingle(
        (res, buf) ->
            buf.asByteArray()
                .defaultIfEmpty(new byte[0])
                .map(b -> new Resp(res.status().code(), res.responseHeaders().copy(), b)));
  }
}
