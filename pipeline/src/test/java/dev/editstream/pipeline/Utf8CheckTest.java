package dev.editstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link EventCodec#firstInvalidUtf8At} against the JDK's strict UTF-8 decoder, which it replaced:
 * the same verdict and the same position, for every array of up to 3 bytes, every 4-byte sequence
 * of each lead byte, and random arrays.
 */
class Utf8CheckTest {

  /** The JDK decoder's answer: the position of the first malformed input, or -1. */
  static int jdk(byte[] bytes) {
    CharsetDecoder dec =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    CoderResult r = dec.decode(in, out, true);
    return r.isError() ? in.position() : -1;
  }

  static void same(byte[] b) {
    int expected = jdk(b);
    int actual = EventCodec.firstInvalidUtf8At(b);
    if (actual != expected) {
      assertThat(actual).as("bytes %s", java.util.HexFormat.of().formatHex(b)).isEqualTo(expected);
    }
  }

  @Test
  void shouldAgreeWithTheJdkOnEveryArrayOfUpToThreeBytes() {
    same(new byte[0]);
    for (int a = 0; a < 256; a++) {
      same(new byte[] {(byte) a});
      for (int b = 0; b < 256; b++) {
        same(new byte[] {(byte) a, (byte) b});
        for (int c = 0; c < 256; c++) {
          same(new byte[] {(byte) a, (byte) b, (byte) c});
        }
      }
    }
  }

  @Test
  void shouldAgreeWithTheJdkOnFourByteSequencesAndRandomArrays() {
    int[] edges = {
      0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF4, 0xFF
    };
    for (int a = 0xF0; a <= 0xF7; a++) {
      for (int b = 0; b < 256; b++) {
        for (int c : edges) {
          for (int d : edges) {
            same(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
          }
        }
      }
    }
    SplittableRandom rnd = new SplittableRandom(19);
    for (int i = 0; i < 200_000; i++) {
      byte[] b = new byte[1 + rnd.nextInt(12)];
      for (int k = 0; k < b.length; k++) {
        // mostly ASCII and lead/continuation bytes, as text is
        int pick = rnd.nextInt(4);
        b[k] =
            (byte)
                (pick == 0
                    ? rnd.nextInt(0x80)
                    : pick == 1 ? 0x80 + rnd.nextInt(0x40) : 0xC0 + rnd.nextInt(0x40));
      }
      same(b);
    }
  }

  @Test
  void shouldAcceptRealTextInEveryScriptAndPointAtTheFirstBadByte() {
    byte[] text =
        "{\"prompt\":\"Poster auf Japanisch: 新しいポスター, emoji 📦, Ελληνικά\"}"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(EventCodec.firstInvalidUtf8At(text)).isEqualTo(-1);
    byte[] bad = new byte[text.length + 2];
    System.arraycopy(text, 0, bad, 0, 10);
    bad[10] = (byte) 0xC0; // an overlong lead
    bad[11] = (byte) 0x80;
    System.arraycopy(text, 10, bad, 12, text.length - 10);
    assertThat(EventCodec.firstInvalidUtf8At(bad)).isEqualTo(10);
  }
}
