package dev.editstream.core.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputRulesTest {
  @TempDir Path tmp;
  private Path jobs;
  private Path outside;

  @BeforeEach
  void setUp() throws Exception {
    jobs = Files.createDirectories(tmp.resolve("jobs"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(jobs.resolve("a.png"), "x");
    Files.createDirectories(jobs.resolve("sub"));
    Files.writeString(jobs.resolve("sub/b.png"), "x");
    Files.writeString(outside.resolve("secret.png"), "x");
  }

  @Test
  void shouldAcceptFilesInsideTheFolderAndItsSubfolders() {
    InputRules r = new InputRules(jobs, List.of(jobs));
    assertThat(r.check("a.png")).isNull();
    assertThat(r.check("sub/b.png")).isNull();
    assertThat(r.check("sub/../a.png")).isNull();
    assertThat(r.check(jobs.resolve("a.png").toString())).isNull();
  }

  @Test
  void shouldRefuseTraversalAndAbsolutePathsOutsideAsBadData() {
    InputRules r = new InputRules(jobs, List.of(jobs));
    assertThat(r.check("../outside/secret.png"))
        .satisfies(
            x -> {
              assertThat(x.exitClass()).isEqualTo(65);
              assertThat(x.rule())
                  .startsWith(
                      "must be inside an allowed input folder: "
                          + jobs.toAbsolutePath().normalize());
            });
    assertThat(r.check("/etc/passwd").rule()).startsWith("must be inside an allowed input folder");
    assertThat(r.check("sub/../../outside/secret.png").rule())
        .startsWith("must be inside an allowed input folder");
    assertThat(r.check("//evil.example.com/a.png").rule())
        .startsWith("must be inside an allowed input folder");
  }

  @Test
  void shouldRefuseASymlinkThatEscapesTheFolder() throws Exception {
    Files.createSymbolicLink(jobs.resolve("link.png"), outside.resolve("secret.png"));
    Files.createSymbolicLink(jobs.resolve("dirlink"), outside);
    InputRules r = new InputRules(jobs, List.of(jobs));
    assertThat(r.check("link.png").rule()).contains("symbolic link to a file outside");
    assertThat(r.check("dirlink/secret.png").rule()).contains("symbolic link to a file outside");
  }

  @Test
  void shouldAcceptExtraAllowedFoldersAndLinksInsideThem() throws Exception {
    Files.createSymbolicLink(jobs.resolve("link.png"), outside.resolve("secret.png"));
    InputRules r = new InputRules(jobs, List.of(jobs, outside));
    assertThat(r.check("link.png")).isNull();
    assertThat(r.check("../outside/secret.png")).isNull();
    assertThat(r.roots())
        .containsExactly(jobs.toAbsolutePath().normalize(), outside.toAbsolutePath().normalize());
  }

  @Test
  void shouldReportAMissingFileInsideAsClass66() {
    InputRules r = new InputRules(jobs, List.of(jobs));
    assertThat(r.check("nope.png").exitClass()).isEqualTo(66);
    assertThat(r.check("sub").exitClass()).isEqualTo(66);
  }

  @Test
  void shouldRefuseControlCharactersEmptyAndOverlongPaths() {
    InputRules r = new InputRules(jobs, List.of(jobs));
    assertThat(r.check("a\u0000.png").rule()).contains("control characters");
    assertThat(r.check("\u202Egnp.png").rule()).contains("bidirectional");
    assertThat(r.check("  ").rule()).isEqualTo("must not be empty");
    assertThat(r.check("x".repeat(5000)).rule()).contains("at most 4096");
  }

  @Test
  void shouldNeedAtLeastOneAllowedFolder() {
    assertThatThrownBy(() -> new InputRules(jobs, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
