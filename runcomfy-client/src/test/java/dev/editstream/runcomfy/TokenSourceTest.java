package dev.editstream.runcomfy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenSourceTest {
  @TempDir Path home;
  @TempDir Path other;

  @BeforeEach
  void posixOnly() {
    assumeThat(FileSystems.getDefault().supportedFileAttributeViews()).contains("posix");
  }

  private static Path writeToken(Path dir, String json, String perms) throws IOException {
    Files.createDirectories(dir);
    Path f = dir.resolve("token.json");
    Files.writeString(f, json);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
    return f;
  }

  @Test
  void shouldPreferTrimmedEnvironmentToken() throws IOException {
    writeToken(home.resolve(".config/runcomfy"), "{\"access_token\":\"from-file\"}", "rw-------");

    assertThat(TokenSource.resolve(Map.of("RUNCOMFY_TOKEN", "  from-env \n"), home))
        .isEqualTo("from-env");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   "})
  void shouldFallBackToFileWhenEnvironmentTokenIsEmpty(String empty) throws IOException {
    writeToken(home.resolve(".config/runcomfy"), "{\"access_token\":\"from-file\"}", "rw-------");

    assertThat(TokenSource.resolve(Map.of("RUNCOMFY_TOKEN", empty), home)).isEqualTo("from-file");
  }

  @Test
  void shouldReadConfigDirBeforeXdgBeforeHome() throws IOException {
    Path configDir = other.resolve("cfg");
    Path xdg = other.resolve("xdg");
    writeToken(configDir, "{\"access_token\":\"config-dir\"}", "rw-------");
    writeToken(xdg.resolve("runcomfy"), "{\"access_token\":\"xdg\"}", "rw-------");
    writeToken(
        home.resolve(".config/runcomfy"),
        "{\"access_token\":\"home\",\"refresh_token\":null}",
        "rw-------");
    Map<String, String> env = new HashMap<>();
    env.put("RUNCOMFY_CONFIG_DIR", configDir.toString());
    env.put("XDG_CONFIG_HOME", xdg.toString());

    assertThat(TokenSource.resolve(env, home)).isEqualTo("config-dir");
    env.remove("RUNCOMFY_CONFIG_DIR");
    assertThat(TokenSource.resolve(env, home)).isEqualTo("xdg");
    env.put("XDG_CONFIG_HOME", "");
    assertThat(TokenSource.resolve(env, home)).isEqualTo("home");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-r-----", "rw----r--", "rw--w----", "rw-rw-rw-"})
  void shouldRefuseTokenFileOpenToOthers(String perms) throws IOException {
    Path f = writeToken(home.resolve(".config/runcomfy"), "{\"access_token\":\"leaky\"}", perms);

    assertThatThrownBy(() -> TokenSource.resolve(Map.of(), home))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.NOPERM);
              assertThat(e.reasonText()).isEqualTo("token_file_permissions");
            })
        .hasMessageContaining(f.toString())
        .hasMessageContaining("chmod 600")
        .hasMessageNotContaining("leaky");
  }

  @Test
  void shouldAcceptOwnerOnlyReadableFile() throws IOException {
    writeToken(home.resolve(".config/runcomfy"), "{\"access_token\":\" t0k \"}", "r--------");

    assertThat(TokenSource.resolve(Map.of(), home)).isEqualTo("t0k");
  }

  @Test
  void shouldReportNotSignedInWhenNoTokenExists() {
    assertThatThrownBy(() -> TokenSource.resolve(Map.of(), home))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.NOPERM);
              assertThat(e.reasonText()).isEqualTo("no_token");
            })
        .hasMessageStartingWith("not signed in: set RUNCOMFY_TOKEN or");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{}",
        "{\"access_token\":null}",
        "{\"access_token\":\"  \"}",
        "{\"access_token\":5}"
      })
  void shouldReportNotSignedInWhenFileHasNoToken(String json) throws IOException {
    writeToken(home.resolve(".config/runcomfy"), json, "rw-------");

    assertThatThrownBy(() -> TokenSource.resolve(Map.of(), home))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.reasonText()).isEqualTo("no_token"));
  }

  @Test
  void shouldReportUnreadableFileWithoutQuotingIt() throws IOException {
    writeToken(home.resolve(".config/runcomfy"), "{\"access_token\": \"half-secret", "rw-------");

    assertThatThrownBy(() -> TokenSource.resolve(Map.of(), home))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.exitClass()).isEqualTo(ExitClass.NOPERM);
              assertThat(e.reasonText()).isEqualTo("token_file_unreadable");
            })
        .hasMessageNotContaining("half-secret");
  }

  @Test
  void shouldNameTheFileItLooksFor() {
    assertThat(TokenSource.tokenFile(Map.of(), home))
        .isEqualTo(home.resolve(".config/runcomfy/token.json"));
    assertThat(TokenSource.tokenFile(Map.of("XDG_CONFIG_HOME", "/x"), home))
        .isEqualTo(Path.of("/x/runcomfy/token.json"));
    assertThat(
            TokenSource.tokenFile(
                Map.of("RUNCOMFY_CONFIG_DIR", "/c", "XDG_CONFIG_HOME", "/x"), home))
        .isEqualTo(Path.of("/c/token.json"));
  }
}
