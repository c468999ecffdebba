package dev.editstream.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ObjectStoreUriTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "s3://media-in|media-in|''",
        "s3://media-in/|media-in|''",
        "s3://media-in/runs|media-in|runs/",
        "s3://media-in/runs/|media-in|runs/",
        "s3://my.bucket-1/a/b/c|my.bucket-1|a/b/c/",
        "s3://abc/x y/é|abc|x y/é/",
        "s3://a-63-chars-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|a-63-chars-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|''",
      })
  void shouldParseBucketAndNormalisePrefix(String value, String bucket, String prefix) {
    ObjectStoreUri u = ObjectStoreUri.parse("--stage-to", value);
    assertThat(u.bucket()).isEqualTo(bucket);
    assertThat(u.prefix()).isEqualTo(prefix);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "https://media-in/x|must start with s3://",
        "S3://media-in|must start with s3://",
        "s3:/media-in|must start with s3://",
        "media-in|must start with s3://",
        "s3://|3-63 characters",
        "s3://ab|3-63 characters",
        "s3://a-64-chars-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|3-63 characters",
        "s3://Media-In|lowercase letters",
        "s3://media_in|lowercase letters",
        "s3://-media|lowercase letters",
        "s3://media-|lowercase letters",
        "s3://.media|lowercase letters",
        "s3://me..dia|must not contain '..'",
        "s3://me.-dia|must not contain '..'",
        "s3://192.168.1.1|IP address",
        "s3://media-in?X-Amz-Signature=SECRET|query string",
        "s3://media-in/a#frag|query string",
        "s3://media-in//a|empty, '.' or '..' segments",
        "s3://media-in/a//b|empty, '.' or '..' segments",
        "s3://media-in/a/../b|empty, '.' or '..' segments",
        "s3://media-in/./b|empty, '.' or '..' segments",
        "s3://media-in/a\\b|control characters",
      })
  void shouldRefuseNamingTheOptionAndRule(String value, String rule) {
    assertThatThrownBy(() -> ObjectStoreUri.parse("--stage-to", value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--stage-to: ")
        .hasMessageContaining(rule)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("SECRET"));
  }

  @Test
  void shouldRefuseNullAndControlCharacters() {
    assertThatThrownBy(() -> ObjectStoreUri.parse("--stage-to", null))
        .hasMessageContaining("--stage-to");
    assertThatThrownBy(() -> ObjectStoreUri.parse("--stage-to", "s3://media-in/a\nb"))
        .hasMessageContaining("control characters")
        .hasMessageNotContaining("\n");
  }

  @Test
  void shouldBuildKeysAndUris() {
    ObjectStoreUri u = ObjectStoreUri.parse("--stage-to", "s3://media-in/runs");
    assertThat(u.key("inputs/abc.png")).isEqualTo("runs/inputs/abc.png");
    assertThat(u.uri(u.key("inputs/abc.png"))).isEqualTo("s3://media-in/runs/inputs/abc.png");
    assertThat(ObjectStoreUri.parse("--x", "s3://media-in").key("a")).isEqualTo("a");
    assertThat(u).hasToString("s3://media-in/runs/");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/abs"})
  void shouldRefuseEmptyOrAbsoluteNames(String name) {
    ObjectStoreUri u = ObjectStoreUri.parse("--stage-to", "s3://media-in");
    assertThatThrownBy(() -> u.key(name)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldValidateInTheConstructorToo() {
    assertThatThrownBy(() -> new ObjectStoreUri("UPPER", ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ObjectStoreUri("media-in", "noslash"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ObjectStoreUri("media-in", "/abs/"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
