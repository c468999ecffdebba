package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenBucketTest {
  static final long S = 1_000_000_000L;
  final long[] now = {123 * S};

  @Test
  void shouldAllowABurstOfItsCapacityThenRefuseWithTheWaitForTheNextToken() {
    TokenBucket b = new TokenBucket(2, 2, () -> now[0]);
    assertThat(b.tryAcquire()).isZero();
    assertThat(b.tryAcquire()).isZero();
    assertThat(b.tryAcquire()).isEqualTo(S / 2);
    now[0] += S / 4;
    assertThat(b.tryAcquire()).isEqualTo(S / 4);
    now[0] += S / 4;
    assertThat(b.tryAcquire()).isZero();
    assertThat(b.tryAcquire()).isPositive();
  }

  @Test
  void shouldRefillContinuouslyButNeverAboveCapacity() {
    TokenBucket b = new TokenBucket(10, 3, () -> now[0]);
    for (int i = 0; i < 3; i++) {
      assertThat(b.tryAcquire()).isZero();
    }
    now[0] += 3600 * S;
    int granted = 0;
    while (b.tryAcquire() == 0) {
      granted++;
    }
    assertThat(granted).isEqualTo(3);
  }

  @Test
  void shouldSustainItsRateOverTime() {
    TokenBucket b = new TokenBucket(50, 50, () -> now[0]);
    int granted = 0;
    for (int ms = 0; ms < 10_000; ms++) {
      while (b.tryAcquire() == 0) {
        granted++;
      }
      now[0] += 1_000_000L;
    }
    assertThat(granted).isBetween(50 + 500 - 1, 50 + 500 + 1);
  }

  @Test
  void shouldWaitLongerThanASecondWhenTheRateIsBelowOne() {
    TokenBucket b = new TokenBucket(0.25, TokenBucket.defaultCapacity(0.25), () -> now[0]);
    assertThat(b.tryAcquire()).isZero();
    long wait = b.tryAcquire();
    assertThat(wait).isEqualTo(4 * S);
    assertThat(TokenBucket.retryAfterSeconds(wait)).isEqualTo(4);
  }

  @ParameterizedTest
  @CsvSource({"1, 1", "999999999, 1", "1000000000, 1", "1000000001, 2", "2500000000, 3"})
  void retryAfterRoundsUpToWholeSecondsAtLeastOne(long nanos, long seconds) {
    assertThat(TokenBucket.retryAfterSeconds(nanos)).isEqualTo(seconds);
  }

  @Test
  void shouldDefaultTheBurstToOneSecondsWorthAtLeastOne() {
    assertThat(TokenBucket.defaultCapacity(0.5)).isEqualTo(1.0);
    assertThat(TokenBucket.defaultCapacity(20)).isEqualTo(20.0);
    assertThat(TokenBucket.defaultCapacity(2.5)).isEqualTo(3.0);
  }

  @Test
  void shouldRejectANonPositiveRateOrCapacity() {
    assertThatThrownBy(() -> new TokenBucket(0, 1, () -> 0)).hasMessageContaining("ratePerSecond");
    assertThatThrownBy(() -> new TokenBucket(Double.NaN, 1, () -> 0))
        .hasMessageContaining("ratePerSecond");
    assertThatThrownBy(() -> new TokenBucket(1, 0.5, () -> 0)).hasMessageContaining("capacity");
  }
}
