package dev.editstream.runcomfy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.editstream.core.Json;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Finds the RunComfy bearer token the way RunComfy's CLI does (runcomfy-cli v0.2.0):
 *
 * <ol>
 *   <li>{@code RUNCOMFY_TOKEN}, trimmed, when not empty;
 *   <li>else {@code token.json} in {@code $RUNCOMFY_CONFIG_DIR}, else in {@code
 *       $XDG_CONFIG_HOME/runcomfy}, else in {@code ~/.config/runcomfy}; format {@code
 *       {"access_token": "..."}}.
 * </ol>
 *
 * <p>editstream refuses a token file readable or writable by group or others (on POSIX file
 * systems), as ssh does for keys; the CLI writes it with mode 0600. Reads a small file: call it at
 * start-up, not on an event loop.
 */
public final class TokenSource {
  /** Environment variable holding the token itself. */
  public static final String TOKEN_ENV = "RUNCOMFY_TOKEN";

  /** Environment variable naming the folder of {@code token.json}. */
  public static final String CONFIG_DIR_ENV = "RUNCOMFY_CONFIG_DIR";

  /** XDG base folder variable. */
  public static final String XDG_ENV = "XDG_CONFIG_HOME";

  /** The token file's name. */
  public static final String FILE_NAME = "token.json";

  private static final Set<PosixFilePermission> TOO_OPEN =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private TokenSource() {}

  /**
   * Resolves the token.
   *
   * @param env the environment ({@code System.getenv()} in production)
   * @param home the user's home folder (for {@code ~/.config/runcomfy})
   * @return the token, trimmed, never empty
   * @throws StageException NOPERM {@code no_token} when there is none; NOPERM {@code
   *     token_file_permissions} when the file is readable by others; NOPERM {@code
   *     token_file_unreadable} when the file cannot be read or parsed
   */
  public static String resolve(Map<String, String> env, Path home) {
    String fromEnv = nonEmpty(env.get(TOKEN_ENV));
    if (fromEnv != null) {
      return fromEnv;
    }
    Path file = tokenFile(env, home);
    if (!Files.isRegularFile(file)) {
      throw new StageException(
          ExitClass.NOPERM,
          FailureReason.NO_TOKEN,
          "not signed in: set " + TOKEN_ENV + " or write {\"access_token\": \"...\"} to " + file);
    }
    checkPermissions(file);
    String token = readToken(file);
    if (token == null) {
      throw new StageException(
          ExitClass.NOPERM,
          FailureReason.NO_TOKEN,
          "not signed in: " + file + " has no access_token; set " + TOKEN_ENV + " or sign in");
    }
    return token;
  }

  /**
   * The token file the lookup uses: {@code $RUNCOMFY_CONFIG_DIR/token.json}, else {@code
   * $XDG_CONFIG_HOME/runcomfy/token.json}, else {@code <home>/.config/runcomfy/token.json} (empty
   * variables are ignored).
   */
  public static Path tokenFile(Map<String, String> env, Path home) {
    String dir = nonEmpty(env.get(CONFIG_DIR_ENV));
    if (dir != null) {
      return Path.of(dir).resolve(FILE_NAME);
    }
    String xdg = nonEmpty(env.get(XDG_ENV));
    if (xdg != null) {
      return Path.of(xdg).resolve("runcomfy").resolve(FILE_NAME);
    }
    return home.resolve(".config").resolve("runcomfy").resolve(FILE_NAME);
  }

  private static void checkPermissions(Path file) {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    } catch (IOException e) {
      throw unreadable(file, e);
    }
    if (perms.stream().anyMatch(TOO_OPEN::contains)) {
      throw new StageException(
          ExitClass.NOPERM,
          FailureReason.TOKEN_FILE_PERMISSIONS,
          "refusing token file "
              + file
              + ": it is accessible by group or others; run: chmod 600 "
              + file);
    }
  }

  private static @Nullable String readToken(Path file) {
    try {
      JsonNode node = Json.mapper().readTree(file.toFile());
      JsonNode token = node == null ? null : node.get("access_token");
      return token != null && token.isTextual() ? nonEmpty(token.asText()) : null;
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  private static StageException unreadable(Path file, IOException e) {
    // The exception text of a JSON parse error may quote file content: keep only its type.
    return new StageException(
        ExitClass.NOPERM,
        FailureReason.TOKEN_FILE_UNREADABLE,
        "cannot read token file " + file + " (" + e.getClass().getSimpleName() + ")");
  }

  private static @Nullable String nonEmpty(@Nullable String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    return t.isEmpty() ? null : t;
  }
}
