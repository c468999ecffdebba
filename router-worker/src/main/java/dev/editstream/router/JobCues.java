package dev.editstream.router;

import dev.editstream.core.job.Job;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the routing rules can ask about one job: its inputs and the cues of its prompt, each answer
 * an {@link Evidence} naming what matched ({@code "background:背景"}, {@code "images:3"}, {@code
 * "script:Hiragana"}). Built per job, not thread-safe (lexicon lookups are memoised).
 */
public final class JobCues {
  /** Longest quoted segment shown in a cue, in chars; longer ones are cut with "…". */
  static final int MAX_QUOTE_CHARS = 40;

  private final Job job;
  private final Lexicon lexicon;
  private final String prompt;
  private final Map<String, Evidence> memo = new HashMap<>();

  /**
   * @param job the job to route
   * @param lexicon the cue words of all languages
   */
  public JobCues(Job job, Lexicon lexicon) {
    this.job = job;
    this.lexicon = lexicon;
    this.prompt = Lexicon.normalized(job.prompt());
  }

  /** The job being routed. */
  public Job job() {
    return job;
  }

  /** The job's prompt in NFC ({@link Lexicon#normalized}), as every cue is read from it. */
  public String prompt() {
    return prompt;
  }

  /** The cues of {@code category} in the prompt, as {@code category:word}; none when absent. */
  public Evidence cue(String category) {
    return memo.computeIfAbsent(
        category,
        c -> {
          List<String> hits = lexicon.find(c, prompt);
          return hits.isEmpty()
              ? Evidence.none()
              : Evidence.of(hits.stream().map(h -> c + ":" + h).toList());
        });
  }

  /**
   * The cues of {@code category} the prompt does not decline ({@link Lexicon#declined}), as {@code
   * category:word}; none when absent or only declined ("no LoRA needed").
   */
  public Evidence affirmed(String category) {
    return memo.computeIfAbsent(
        "affirmed:" + category,
        c -> {
          List<String> hits = lexicon.findAffirmed(category, prompt);
          return hits.isEmpty()
              ? Evidence.none()
              : Evidence.of(hits.stream().map(h -> category + ":" + h).toList());
        });
  }

  /**
   * Holds when the job has between {@code min} and {@code max} images (inclusive): {@code
   * images:N}.
   */
  public Evidence images(int min, int max) {
    int n = job.images().size();
    return n >= min && n <= max ? Evidence.of("images:" + n) : Evidence.none();
  }

  /** Holds when the job carries a mask: {@code mask:given}. */
  public Evidence mask() {
    return job.mask() != null ? Evidence.of("mask:given") : Evidence.none();
  }

  /** Holds when the job carries a video: {@code video:given}. */
  public Evidence video() {
    return job.video() != null ? Evidence.of("video:given") : Evidence.none();
  }

  /** Holds when the job's params has this key: {@code param:key}. */
  public Evidence param(String key) {
    return job.params().containsKey(key) ? Evidence.of("param:" + key) : Evidence.none();
  }

  /** The model the prompt names by brand, if any (see {@link Lexicon#brand}). */
  public Optional<Lexicon.BrandMatch> brand() {
    return lexicon.brand(prompt);
  }

  /**
   * Holds when a quoted segment of the prompt calls for multilingual typography ({@link
   * Scripts#typography}: a non-Latin script, or Latin letters beyond Latin-1 such as Vietnamese
   * "Giảm giá"): {@code quoted:<segment>} then {@code script:<Script>} for each such script.
   */
  public Evidence quotedMultilingual() {
    List<String> cues = new ArrayList<>();
    Set<String> scripts = new LinkedHashSet<>();
    for (String q : lexicon.quoted(prompt)) {
      Set<String> s = Scripts.typography(q);
      if (!s.isEmpty()) {
        cues.add("quoted:" + shorten(q));
        scripts.addAll(s);
      }
    }
    scripts.forEach(s -> cues.add("script:" + s));
    return cues.isEmpty() ? Evidence.none() : Evidence.of(cues);
  }

  /**
   * Holds when every quoted segment of {@link #quotedMultilingual} is text to erase ({@link
   * Lexicon#removes}: "remove the text „セール“"), not to render: {@code remove-quoted:<segment>}.
   */
  public Evidence quotedRemoval() {
    List<String> cues = new ArrayList<>();
    for (String q : lexicon.quoted(prompt)) {
      if (Scripts.typography(q).isEmpty()) {
        continue;
      }
      if (!lexicon.removes(prompt, q)) {
        return Evidence.none();
      }
      cues.add("remove-quoted:" + shorten(q));
    }
    return cues.isEmpty() ? Evidence.none() : Evidence.of(cues);
  }

  /**
   * Holds when a quoted segment uses a script the rest of the prompt does not (a Japanese headline
   * quoted in a Chinese or English instruction): {@code foreign-script:<Script>}.
   */
  public Evidence foreignQuotedScript() {
    String outside = prompt;
    Set<String> inside = new LinkedHashSet<>();
    for (String q : lexicon.quoted(prompt)) {
      inside.addAll(Scripts.nonLatin(q));
      outside = outside.replace(q, " ");
    }
    inside.removeAll(Scripts.nonLatin(outside));
    return inside.isEmpty()
        ? Evidence.none()
        : Evidence.of(inside.stream().map(s -> "foreign-script:" + s).toList());
  }

  /** Always holds, with no cue (for the default rule). */
  public Evidence always() {
    return Evidence.of(List.of());
  }

  private static String shorten(String s) {
    return s.length() <= MAX_QUOTE_CHARS ? s : s.substring(0, MAX_QUOTE_CHARS) + "…";
  }
}
