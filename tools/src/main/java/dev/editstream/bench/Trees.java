package dev.editstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folder trees of the bench, the demo and chaos runs: their scratch folders. */
public final class Trees {
  private Trees() {}

  /**
   * Deletes {@code dir} and everything below it; nothing when it does not exist.
   *
   * @throws IOException when a file or folder cannot be deleted
   */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
