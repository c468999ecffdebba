package dev.editstream.core.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates the lines of a JSON Lines job file, one at a time, and turns each into a {@link Job}
 * or a {@link LineError} naming the field and the rule. Not thread-safe: it remembers the ids seen
 * so far (on good and bad lines), so a duplicate id in one file is refused and no two lines ever
 * share a fate.
 *
 * <p>Local paths are resolved against {@code baseDir} and must exist (else class 66).
 */
public final class JobLineParser {
  /** The id rule: also safe as a folder name and a Kafka key. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /** Longest prompt accepted, in chars. */
  public static final int MAX_PROMPT_CHARS = 20_000;

  /** Most images accepted on one job (batches over 20 are split by the router). */
  public static final int MAX_IMAGES = 500;

  private static final Set<String> FIELDS =
      Set.of("id", "prompt", "images", "mask", "video", "model", "params", "batch");
  private static final Pattern MODEL_ID = Pattern.compile("[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*){1,5}");

  private final ObjectMapper json = Json.mapper();
  private final Path baseDir;
  private final Set<String> seenIds = new HashSet<>();

  /**
   * @param baseDir folder that relative local paths are resolved against (the job file's folder)
   */
  public JobLineParser(Path baseDir) {
    this.baseDir = baseDir.toAbsolutePath().normalize();
  }

  /** The result of one line: exactly one of {@code job} or {@code error} is set. */
  public record Parsed(Job job, LineError error) {
    public boolean ok() {
      return job != null;
    }
  }

  /**
   * Parses and validates one line.
   *
   * @param lineNumber 1-based line number, for the error
   * @param text the line without its terminator
   * @return the job, or the first rule the line breaks; {@code null} for a blank line
   */
  public Parsed parse(int lineNumber, String text) {
    if (text.isBlank()) {
      return null;
    }
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JsonProcessingException e) {
      return fail(lineNumber, null, "$", "must be one JSON object (" + e.getOriginalMessage() + ")", 65);
    }
    if (node == null || !node.isObject()) {
      return fail(lineNumber, null, "$", "must be one JSON object", 65);
    }
    ObjectNode o = (ObjectNode) node;
    String id = o.path("id").isTextual() ? o.get("id").asText() : null;
    if (!o.hasNonNull("id")) {
      return fail(lineNumber, null, "id", "is required", 65);
    }
    if (id == null) {
      return fail(lineNumber, null, "id", "must be a string", 65);
    }
    if (!ID.matcher(id).matches()) {
      return fail(lineNumber, null, "id", "must match [A-Za-z0-9._-]{1,128}, was " + quote(id), 65);
    }
    if (!seenIds.add(id)) {
      return fail(lineNumber, id, "id", "must be unique in the file; " + quote(id) + " was used on an earlier line", 65);
    }
    String reportedId = id;
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        return fail(lineNumber, reportedId, f, "is not a job field (allowed: " + String.join(", ", new java.util.TreeSet<>(FIELDS)) + ")", 65);
      }
    }
    String prompt = optString(o, "prompt");
    if (prompt == BAD) {
      return fail(lineNumber, id, "prompt", "must be a string", 65);
    }
    if (prompt != null && prompt.length() > MAX_PROMPT_CHARS) {
      return fail(lineNumber, id, "prompt", "must be at most " + MAX_PROMPT_CHARS + " characters, was " + prompt.length(), 65);
    }
    List<String> images = new ArrayList<>();
    JsonNode imgs = o.get("images");
    if (imgs != null && !imgs.isNull()) {
      if (!imgs.isArray()) {
        return fail(lineNumber, id, "images", "must be an array of https URLs or local paths", 65);
      }
      if (imgs.size() > MAX_IMAGES) {
        return fail(lineNumber, id, "images", "must hold at most " + MAX_IMAGES + " items, held " + imgs.size(), 65);
      }
      for (int i = 0; i < imgs.size(); i++) {
        JsonNode el = imgs.get(i);
        if (!el.isTextual()) {
          return fail(lineNumber, id, "images[" + i + "]", "must be a string (https URL or local path)", 65);
        }
        String err = checkInput(el.asText());
        if (err != null) {
          return fail(lineNumber, id, "images[" + i + "]", err, err.startsWith("local file") ? 66 : 65);
        }
        images.add(el.asText());
      }
    }
    String mask = optString(o, "mask");
    String video = optString(o, "video");
    for (String field : List.of("mask", "video")) {
      String v = "mask".equals(field) ? mask : video;
      if (v == BAD) {
        return fail(lineNumber, id, field, "must be a string (https URL or local path)", 65);
      }
      if (v != null) {
        String err = checkInput(v);
        if (err != null) {
          return fail(lineNumber, id, field, err, err.startsWith("local file") ? 66 : 65);
        }
      }
    }
    String model = optString(o, "model");
    if (model == BAD || (model != null && !MODEL_ID.matcher(model).matches())) {
      return fail(lineNumber, id, "model", "must be a RunComfy model_id such as google/nano-banana-2/edit", 65);
    }
    JsonNode params = o.get("params");
    Map<String, Object> paramMap = Map.of();
    if (params != null && !params.isNull()) {
      if (!params.isObject()) {
        return fail(lineNumber, id, "params", "must be a JSON object of model fields", 65);
      }
      paramMap = json.convertValue(params, LinkedHashMap.class);
      for (String reserved : List.of("prompt", "image_urls", "images", "image_url", "mask_image_url", "video", "video_url", "text")) {
        if (paramMap.containsKey(reserved)) {
          return fail(lineNumber, id, "params." + reserved, "is set from the job's own fields; remove it from params", 65);
        }
      }
    }
    String batch = optString(o, "batch");
    if (batch == BAD) {
      return fail(lineNumber, id, "batch", "must be a string", 65);
    }
    if ((prompt == null || prompt.isBlank()) && model == null) {
      return fail(lineNumber, id, "prompt", "is required (a non-empty edit instruction)", 65);
    }
    if (images.isEmpty() && video == null) {
      return fail(lineNumber, id, "images", "at least one image (or a video) is required", 65);
    }
    if (mask != null && images.isEmpty()) {
      return fail(lineNumber, id, "mask", "needs the image it masks in images", 65);
    }
    return new Parsed(new Job(id, prompt, images, mask, video, model, paramMap, batch), null);
  }

  /** Returns null when the reference is acceptable, else the rule it breaks. */
  private String checkInput(String ref) {
    if (ref.isBlank()) {
      return "must not be empty";
    }
    int colon = ref.indexOf(':');
    int slash = ref.indexOf('/');
    boolean hasScheme = colon > 1 && (slash < 0 || colon < slash);
    if (hasScheme) {
      URI uri;
      try {
        uri = new URI(ref);
      } catch (URISyntaxException e) {
        return "must be a valid https URL (" + e.getReason() + ")";
      }
      if (!"https".equalsIgnoreCase(uri.getScheme())) {
        return "must be an https URL or a local path (scheme " + quote(uri.getScheme()) + " refused)";
      }
      if (uri.getHost() == null || uri.getHost().isEmpty()) {
        return "must be an https URL with a host";
      }
      if (uri.getRawUserInfo() != null) {
        return "must not carry user info in the URL";
      }
      return null;
    }
    Path p;
    try {
      p = baseDir.resolve(ref).normalize();
    } catch (InvalidPathException e) {
      return "must be a valid local path (" + e.getReason() + ")";
    }
    if (!Files.isRegularFile(p)) {
      return "local file not found: " + ref;
    }
    return null;
  }

  /** Resolves a job's local path the same way validation did; URLs come back unchanged. */
  public static boolean isUrl(String ref) {
    int colon = ref.indexOf(':');
    int slash = ref.indexOf('/');
    return colon > 1 && (slash < 0 || colon < slash);
  }

  private static final String BAD = new String("<bad>");

  private static String optString(ObjectNode o, String field) {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    return n.isTextual() ? n.asText() : BAD;
  }

  private static String quote(String s) {
    String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
    return "\"" + shown.replace("\"", "\\\"") + "\"";
  }

  private static Parsed fail(int line, String id, String field, String rule, int exitClass) {
    return new Parsed(null, new LineError(line, id, field, rule, exitClass));
  }
}
