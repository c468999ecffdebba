package dev.editstream.runcomfy;

import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Guesses a Content-Type from a file name's extension. Pure. */
public final class ContentTypes {
  /** The type used for unknown extensions. */
  public static final String DEFAULT = "application/octet-stream";

  private static final Map<String, String> BY_EXTENSION =
      Map.ofEntries(
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("jpeg", "image/jpeg"),
          Map.entry("webp", "image/webp"),
          Map.entry("gif", "image/gif"),
          Map.entry("bmp", "image/bmp"),
          Map.entry("tif", "image/tiff"),
          Map.entry("tiff", "image/tiff"),
          Map.entry("avif", "image/avif"),
          Map.entry("mp4", "video/mp4"),
          Map.entry("mov", "video/quicktime"),
          Map.entry("webm", "video/webm"),
          Map.entry("mkv", "video/x-matroska"),
          Map.entry("mp3", "audio/mpeg"),
          Map.entry("wav", "audio/wav"),
          Map.entry("json", "application/json"),
          Map.entry("txt", "text/plain"));

  private ContentTypes() {}

  /**
   * @param fileName a file name, possibly {@code null}
   * @return the type for its extension (case-insensitive), or {@value #DEFAULT}
   */
  public static String guess(@Nullable String fileName) {
    if (fileName == null) {
      return DEFAULT;
    }
    int dot = fileName.lastIndexOf('.');
    if (dot < 0) {
      return DEFAULT;
    }
    return BY_EXTENSION.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
  }
}
