package dev.editstream.core.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Validates the lines of a JSON Lines job file, one at a time, and turns each into a {@link Job} or
 * one {@link LineError} naming the field and the rule. Not thread-safe: it remembers the ids seen
 * so far (on good and bad lines), so a duplicate id in one file is refused and no two lines ever
 * share a fate.
 *
 * <p>What a line must be: one JSON object (no trailing text, no duplicate keys, at most {@value
 * #MAX_JSON_DEPTH} levels of nesting, a UTF-8 byte order mark accepted on line 1 only) with the
 * fields of {@link Job} and no others. Inputs are public https URLs or local files inside the
 * allowed input folders (see {@link InputRules}, {@link UrlRules}); params follow {@link
 * ParamsRules}. Local paths are resolved against {@code baseDir} and must exist (else class 66);
 * every other refusal is class 65. Checking is pure apart from reading file metadata of local
 * inputs: no network, no DNS.
 */
public final class JobLineParser {
  /**
   * The id rule: also safe as a folder name (no leading dot, so never "." or "..") and a Kafka key.
   */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

  /** Longest id, in chars. */
  public static final int MAX_ID_CHARS = 128;

  /** Longest prompt accepted, in chars. */
  public static final int MAX_PROMPT_CHARS = 20_000;

  /** Most images accepted on one job (batches over 20 are split by the router). */
  public static final int MAX_IMAGES = 500;

  /** Deepest nesting of arrays and objects in a line. */
  public static final int MAX_JSON_DEPTH = 20;

  /** Longest line accepted, in chars (a line read from a file is already capped in bytes). */
  public static final int MAX_LINE_CHARS = 2 * 1024 * 1024;

  /** Longest model id, in chars. */
  public static final int MAX_MODEL_CHARS = 200;

  /**
   * The batch label rule: letters, digits and {@code . _ : + -} or inner spaces, 1 to 128 chars.
   */
  public static final Pattern BATCH =
      Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._:+ -]{0,126}[A-Za-z0-9._:+-])?");

  private static final Set<String> FIELDS =
      Set.of("id", "prompt", "images", "mask", "video", "model", "params", "batch");
  private static final Pattern MODEL_ID =
      Pattern.compile("[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*){1,5}");

  private final InputRules inputs;
  private final Set<String> seenIds = new HashSet<>();

  /**
   * A parser whose only allowed input folder is {@code baseDir}.
   *
   * @param baseDir folder that relative local paths are resolved against (the job file's folder)
   */
  public JobLineParser(Path baseDir) {
    this(baseDir, List.of(baseDir));
  }

  /**
   * @param baseDir folder that relative local paths are resolved against (the job file's folder)
   * @param allowedInputRoots folders local inputs must lie inside, after normalising and resolving
   *     symbolic links (usually {@code baseDir} plus folders the operator named)
   * @throws IllegalArgumentException if {@code allowedInputRoots} is empty
   */
  public JobLineParser(Path baseDir, List<Path> allowedInputRoots) {
    this.inputs = new InputRules(baseDir, allowedInputRoots);
  }

  /** The allowed input folders, absolute and normalised. */
  public List<Path> allowedInputRoots() {
    return inputs.roots();
  }

  /** The result of one line: exactly one of {@code job} or {@code error} is set. */
  public record Parsed(@Nullable Job job, @Nullable LineError error) {
    /** Whether the line gave a job. */
    public boolean ok() {
      return job != null;
    }
  }

  /**
   * Parses and validates one line. Never throws on hostile text.
   *
   * @param lineNumber 1-based line number, for the error (a byte order mark is accepted on line 1)
   * @param text the line without its terminator
   * @return the job, or the first rule the line breaks; {@code null} for a blank line
   */
  public @Nullable Parsed parse(int lineNumber, String text) {
    String t = text;
    if (lineNumber == 1 && t.startsWith("\uFEFF")) {
      t = t.substring(1);
    }
    if (t.isBlank()) {
      return null;
    }
    try {
      return new Parsed(check(t), null);
    } catch (Refused r) {
      return new Parsed(null, new LineError(lineNumber, r.jobId, r.field, r.rule, r.exitClass));
    } catch (RuntimeException e) {
      // a safety net: a rule that could not be evaluated refuses the line instead of the file
      return new Parsed(
          null,
          new LineError(
              lineNumber,
              null,
              "$",
              "could not be checked (" + e.getClass().getSimpleName() + ")",
              65));
    }
  }

  private Job check(String text) throws Refused {
    if (text.charAt(0) == '\uFEFF') {
      throw new Refused(
          claimReadableId(text),
          "$",
          "must not start with a byte order mark (U+FEFF is accepted at the start of line 1 only)");
    }
    if (text.length() > MAX_LINE_CHARS) {
      throw new Refused(
          null,
          "$",
          "line must be at most " + MAX_LINE_CHARS + " characters, was " + text.length());
    }
    ObjectNode o = LineJson.readObject(text, this::claim);
    String id = checkId(o);
    for (String f : (Iterable<String>) o::fieldNames) {
      if (!FIELDS.contains(f)) {
        throw new Refused(
            id,
            TextRules.child("", f),
            "is not a job field (allowed: " + String.join(", ", new TreeSet<>(FIELDS)) + ")");
      }
    }
    String prompt = optString(o, "prompt", id, "must be a string");
    if (prompt != null) {
      if (prompt.length() > MAX_PROMPT_CHARS) {
        throw new Refused(
            id,
            "prompt",
            "must be at most " + MAX_PROMPT_CHARS + " characters, was " + prompt.length());
      }
      String r = TextRules.controlChars(prompt, true);
      r = r != null ? r : TextRules.unpairedSurrogates(prompt);
      if (r != null) {
        throw new Refused(id, "prompt", r);
      }
    }
    List<String> images = images(o, id);
    String mask = input(o, "mask", id);
    String video = input(o, "video", id);
    String model = model(o, id);
    Map<String, Object> params = params(o, id);
    String batch = batch(o, id);
    if ((prompt == null || prompt.isBlank()) && model == null) {
      throw new Refused(id, "prompt", "is required (a non-empty edit instruction)");
    }
    if (images.isEmpty() && video == null) {
      throw new Refused(id, "images", "is required (at least one image, or a video)");
    }
    if (mask != null && images.isEmpty()) {
      throw new Refused(id, "mask", "needs the image it masks in images");
    }
    return new Job(id, prompt == null ? "" : prompt, images, mask, video, model, params, batch);
  }

  /**
   * For a line refused before it could be parsed (bad bytes, too long): the {@code id} read from
   * the start of its text, when it is a valid id not used on an earlier line; the id is then
   * claimed, so a later line with the same id is a duplicate and no two lines share a fate.
   *
   * @param text the line as far as it could be decoded (undecodable bytes replaced by U+FFFD)
   * @return the id, or {@code null} when none is readable or it was already used
   */
  public @Nullable String claimReadableId(String text) {
    return claim(LineJson.readableId(text.startsWith("\uFEFF") ? text.substring(1) : text));
  }

  /** The candidate id when it is valid and new (it is then taken), else {@code null}. */
  private @Nullable String claim(@Nullable String candidate) {
    return candidate != null && idRule(candidate) == null && seenIds.add(candidate)
        ? candidate
        : null;
  }

  private String checkId(ObjectNode o) throws Refused {
    JsonNode n = o.get("id");
    if (n == null || n.isNull()) {
      throw new Refused(null, "id", "is required");
    }
    if (!n.isTextual()) {
      throw new Refused(
          null, "id", "must be a string, was " + n.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    String id = n.asText();
    String rule = idRule(id);
    if (rule != null) {
      throw new Refused(null, "id", rule);
    }
    if (!seenIds.add(id)) {
      throw new Refused(
          id,
          "id",
          "must be unique in the file; " + TextRules.show(id) + " was used on an earlier line");
    }
    return id;
  }

  /** Why a string is not a valid id, or {@code null}. */
  static @Nullable String idRule(String id) {
    if (id.isEmpty()) {
      return "must not be empty";
    }
    if (id.length() > MAX_ID_CHARS) {
      return "must be at most " + MAX_ID_CHARS + " characters, was " + id.length();
    }
    String chars = TextRules.strict(id);
    if (chars != null) {
      return chars;
    }
    if (id.indexOf('/') >= 0 || id.indexOf('\\') >= 0) {
      return "must not contain path separators ('/' or '\\'), was " + TextRules.show(id);
    }
    if (id.startsWith(".")) {
      return "must not start with '.' (no hidden or relative folder names such as \"..\"), was "
          + TextRules.show(id);
    }
    if (!ID.matcher(id).matches()) {
      return "must match [A-Za-z0-9._-]{1,128} not starting with '.', was " + TextRules.show(id);
    }
    return null;
  }

  private List<String> images(ObjectNode o, String id) throws Refused {
    JsonNode imgs = o.get("images");
    List<String> images = new ArrayList<>();
    if (imgs == null || imgs.isNull()) {
      return images;
    }
    if (!imgs.isArray()) {
      throw new Refused(id, "images", "must be an array of https URLs or local paths");
    }
    if (imgs.size() > MAX_IMAGES) {
      throw new Refused(
          id, "images", "must hold at most " + MAX_IMAGES + " items, held " + imgs.size());
    }
    for (int i = 0; i < imgs.size(); i++) {
      JsonNode el = imgs.get(i);
      if (!el.isTextual()) {
        throw new Refused(id, "images[" + i + "]", "must be a string (https URL or local path)");
      }
      checkInput(id, "images[" + i + "]", el.asText());
      images.add(el.asText());
    }
    return images;
  }

  private @Nullable String input(ObjectNode o, String field, String id) throws Refused {
    String v = optString(o, field, id, "must be a string (https URL or local path)");
    if (v != null) {
      checkInput(id, field, v);
    }
    return v;
  }

  private void checkInput(String id, String field, String ref) throws Refused {
    InputRules.Refusal r = inputs.check(ref);
    if (r != null) {
      throw new Refused(id, field, r.rule(), r.exitClass());
    }
  }

  private static @Nullable String model(ObjectNode o, String id) throws Refused {
    String model =
        optString(
            o,
            "model",
            id,
            "must be a string (a RunComfy model_id such as google/nano-banana-2/edit)");
    if (model == null) {
      return null;
    }
    if (model.length() > MAX_MODEL_CHARS) {
      throw new Refused(
          id, "model", "must be at most " + MAX_MODEL_CHARS + " characters, was " + model.length());
    }
    String chars = TextRules.strict(model);
    if (chars != null) {
      throw new Refused(id, "model", chars);
    }
    if (!MODEL_ID.matcher(model).matches()) {
      throw new Refused(
          id,
          "model",
          "must be a RunComfy model_id such as google/nano-banana-2/edit (lowercase segments of "
              + "[a-z0-9._-] joined by '/', none starting with '.'), was "
              + TextRules.show(model));
    }
    return model;
  }

  private static Map<String, Object> params(ObjectNode o, String id) throws Refused {
    JsonNode params = o.get("params");
    if (params == null || params.isNull()) {
      return Map.of();
    }
    if (!params.isObject()) {
      throw new Refused(id, "params", "must be a JSON object of model fields");
    }
    ParamsRules.Checked c = ParamsRules.check(params);
    if (c.field() != null) {
      throw new Refused(id, c.field(), Objects.requireNonNull(c.rule(), "rule"));
    }
    return Objects.requireNonNull(c.value(), "value"); // set when no rule was broken
  }

  private static @Nullable String batch(ObjectNode o, String id) throws Refused {
    String batch = optString(o, "batch", id, "must be a string");
    if (batch == null) {
      return null;
    }
    String chars = TextRules.strict(batch);
    if (chars != null) {
      throw new Refused(id, "batch", chars);
    }
    if (batch.length() > 128) {
      throw new Refused(id, "batch", "must be at most 128 characters, was " + batch.length());
    }
    if (!BATCH.matcher(batch).matches()) {
      throw new Refused(
          id,
          "batch",
          "must be 1 to 128 letters, digits, spaces or . _ : + - (starting with a letter or digit), was "
              + TextRules.show(batch));
    }
    return batch;
  }

  /**
   * Whether an input reference is a URL (has a scheme before any slash) rather than a local path.
   *
   * @param ref an image, mask or video reference of a job
   * @return true for {@code https://...} (or any other scheme), false for a local path
   */
  public static boolean isUrl(String ref) {
    int colon = ref.indexOf(':');
    int slash = ref.indexOf('/');
    return colon > 1 && (slash < 0 || colon < slash);
  }

  private static @Nullable String optString(ObjectNode o, String field, String id, String rule)
      throws Refused {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new Refused(
          id, field, rule + ", was " + n.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    return n.asText();
  }
}
