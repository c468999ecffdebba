package dev.editstream.router;

import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.job.Job;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Picks one RunComfy model per job, and says why. The rules are the routing table of RunComfy's
 * image-edit, image-inpainting and video-inpainting skills ({@code ../shared/docs/routing.md}),
 * evaluated in order; the first that applies decides. The words each rule looks for come from the
 * {@link Lexicon} (all languages at once), so no rule knows any language. Pure and thread-safe.
 *
 * <p>Order: explicit {@code model}; a model or brand named in the prompt; a mask with a second,
 * numbered reference image (GPT Image, the mask as one more numbered image); mask (LoRA variant
 * when a LoRA is asked for); video (restyle, else region edit); then images: frame sequence,
 * multi-reference, non-Latin text rewrite, layout, translated headline variants, batch, background
 * swap, spatial add/remove, single local edit, default. An image rule is skipped when its model
 * cannot take the job's image count (a 12-image job never goes to GPT Image's 10-image route).
 *
 * <p>The table names its targets by the ids of the seed skills; each is resolved through the
 * catalog ({@link ModelCatalog#resolve}: both spellings of a version). A target the catalog does
 * not have is listed by {@link #missingTargets()} (reported at start-up, before any job is paid
 * for), and a job routed to it fails with class 65 {@code model_unavailable} in preparation.
 */
public final class Router {
  /** Most flexible default; 1-20 images. */
  public static final String NANO_BANANA = "google/nano-banana-2/edit";

  /** Multilingual typography, numbered references, layout; up to 10 images. */
  public static final String GPT_IMAGE = "openai/gpt-image-2/edit";

  /** One precise local edit on exactly one image. */
  public static final String FLUX_KONTEXT = "blackforestlabs/flux-1-kontext/pro/edit";

  /** Mask-driven inpainting. */
  public static final String Z_IMAGE = "tongyi-mai/z-image/turbo/inpainting";

  /** Mask-driven inpainting with a LoRA. */
  public static final String Z_IMAGE_LORA = "tongyi-mai/z-image/turbo/inpainting/lora";

  /**
   * Prompt-driven region edit across video frames. The live id has a dot; the seeds wrote {@code
   * wan-2-7} ({@code runcomfy-live-contract.md} §1): targets are resolved through the catalog,
   * which accepts both spellings.
   */
  public static final String WAN = "wan-ai/wan-2.7/edit-video";

  /** Identity-stable video restyle, outfit or object swap. */
  public static final String LUCY = "decart/lucy-edit/restyle";

  /** The same instruction on every frame of a frame stack. */
  public static final String SEEDREAM = "bytedance/seedream-4-0/edit-sequential";

  /** The cue categories the rules use; every one must be defined by some lexicon. */
  public static final List<String> CATEGORIES =
      List.of(
          "lora",
          "restyle",
          "outfit",
          "swap",
          "tracking",
          "region",
          "remove",
          "frames",
          "reference",
          "text",
          "move",
          "spatial",
          "translate",
          "variants",
          "language",
          "background",
          "keep",
          "add",
          "local_edit",
          "person_edit",
          "declarative");

  /**
   * The rule for a mask plus a second, numbered reference image ("fill the masked area with the
   * sofa from image 2"): routed to GPT Image with the mask sent as its last numbered image ({@link
   * JobPreparer}), since no mask-capable model takes a second image.
   */
  public static final String MASK_REFERENCE = "mask-reference";

  /**
   * The job param that carries LoRAs ({@code loras: [{path, scale}]}, RunComfy's LoRA endpoints).
   */
  static final String LORAS_PARAM = "loras";

  /** The routing table's targets, in the ids this class names them by. */
  public static final List<String> TARGETS =
      List.of(NANO_BANANA, GPT_IMAGE, FLUX_KONTEXT, Z_IMAGE, Z_IMAGE_LORA, WAN, LUCY, SEEDREAM);

  private final Lexicon lexicon;
  private final LanguageId languages;
  private final boolean strict;
  private final ModelCatalog catalog;
  private final List<RouteRule> rules;
  private final java.util.Map<String, String> resolved = new java.util.LinkedHashMap<>();
  private final List<String> missing = new ArrayList<>();

  /**
   * @param lexicon the cue words
   * @param catalog the models that may be routed to (the live catalog, its cache or the snapshot)
   * @throws IllegalArgumentException if the lexicon lacks a category of {@link #CATEGORIES}
   */
  public Router(Lexicon lexicon, ModelCatalog catalog) {
    this(lexicon, catalog, LanguageId.lingua(lexicon.languages()), false);
  }

  /**
   * @param lexicon the cue words
   * @param catalog the models that may be routed to
   * @param languages identifies each prompt's language and whether a lexicon covers it
   * @param strict refuse (class 65, reason {@code uncovered_language}) a prompt in a language no
   *     lexicon covers, instead of routing it with a warning ({@code --strict-routing})
   * @throws IllegalArgumentException if the lexicon lacks a category of {@link #CATEGORIES}
   */
  public Router(Lexicon lexicon, ModelCatalog catalog, LanguageId languages, boolean strict) {
    this.lexicon = lexicon;
    this.languages = java.util.Objects.requireNonNull(languages, "languages");
    this.strict = strict;
    this.catalog = catalog;
    for (String c : CATEGORIES) {
      if (!lexicon.categories().contains(c)) {
        throw new IllegalArgumentException("no routing lexicon defines the cue category " + c);
      }
    }
    for (String m : TARGETS) {
      target(m);
    }
    for (String m : lexicon.brandModels()) {
      target(m);
    }
    this.rules =
        List.of(
            new RouteRule("explicit-model", this::explicit),
            new RouteRule("named-in-prompt", this::named),
            // a mask plus a numbered second image to take something from: no mask route takes two
            // images, so the composition route gets the mask as one more numbered image
            maskReference(),
            RouteRule.to("mask-lora", target(Z_IMAGE_LORA), c -> c.mask().and(loraAsked(c))),
            RouteRule.to("mask", target(Z_IMAGE), JobCues::mask),
            RouteRule.to("video-restyle", target(LUCY), c -> c.video().and(restyle(c))),
            RouteRule.to("video-region-edit", target(WAN), JobCues::video),
            image(
                "frame-sequence",
                SEEDREAM,
                c -> c.cue("frames").and(c.images(2, Integer.MAX_VALUE))),
            image(
                "multi-reference",
                GPT_IMAGE,
                c -> c.images(2, Integer.MAX_VALUE).and(c.cue("reference"))),
            // quoted non-Latin text to render; not when every such quote is text to erase
            image(
                "text-rewrite",
                GPT_IMAGE,
                c ->
                    c.quotedMultilingual()
                        .and(c.cue("text").or(c.foreignQuotedScript()))
                        .unless(c.quotedRemoval())),
            image("layout", GPT_IMAGE, c -> c.cue("move").and(c.cue("spatial"))),
            image(
                "headline-variants",
                GPT_IMAGE,
                c ->
                    c.cue("text")
                        .and(c.cue("translate").or(c.cue("variants").and(c.cue("language"))))),
            image("batch", NANO_BANANA, c -> c.images(2, Integer.MAX_VALUE)),
            image(
                "spatial-edit",
                NANO_BANANA,
                c -> c.cue("remove").or(c.cue("add")).and(c.cue("spatial"))),
            image("background-swap", NANO_BANANA, c -> c.cue("background").and(c.cue("keep"))),
            image(
                "single-local-edit",
                FLUX_KONTEXT,
                c ->
                    c.images(1, 1)
                        .and(
                            c.cue("declarative")
                                .or(c.cue("person_edit"))
                                .or(
                                    c.cue("add")
                                        .or(c.cue("remove"))
                                        .or(c.cue("local_edit"))
                                        .and(c.cue("keep"))))),
            RouteRule.to("default", target(NANO_BANANA), JobCues::always));
  }

  /**
   * The catalog's id of a routing target (its exact id, or the other spelling of its version); the
   * wanted id itself when the catalog has neither, which is then listed as missing.
   */
  public String target(String wanted) {
    return resolved.computeIfAbsent(
        wanted,
        w ->
            catalog
                .resolve(w)
                .map(ModelSpec::modelId)
                .orElseGet(
                    () -> {
                      missing.add(w);
                      return w;
                    }));
  }

  /**
   * The routing targets (table and brand words) that the catalog has under neither spelling: jobs
   * routed to them fail with class 65 {@code model_unavailable}. Report them before any job runs.
   */
  public List<String> missingTargets() {
    return List.copyOf(missing);
  }

  /** The catalog this router routes over. */
  public ModelCatalog catalog() {
    return catalog;
  }

  /** The router over the built-in lexicons and model catalog. */
  public static Router builtIn() {
    return new Router(Lexicon.builtIn(), ModelCatalog.builtIn());
  }

  /**
   * The same router, refusing prompts in a language no lexicon covers when {@code strictRouting}
   * ({@code --strict-routing}); the rules, lexicon and catalog are shared.
   */
  public Router withStrictRouting(boolean strictRouting) {
    return strictRouting == strict ? this : new Router(lexicon, catalog, languages, strictRouting);
  }

  /**
   * A router over another catalog (a refreshed live catalog), with the same lexicon, language
   * identifier and strictness; its targets are resolved again.
   */
  public Router withCatalog(ModelCatalog next) {
    return new Router(lexicon, next, languages, strict);
  }

  /** Whether prompts in uncovered languages are refused ({@code --strict-routing}). */
  public boolean strictRouting() {
    return strict;
  }

  /** The language identifier this router reads prompts with. */
  public LanguageId languages() {
    return languages;
  }

  /** The cue words this router reads (shared with {@link PromptLint}). */
  public Lexicon lexicon() {
    return lexicon;
  }

  /** The rule names, in evaluation order. */
  public List<String> ruleNames() {
    return rules.stream().map(RouteRule::name).toList();
  }

  /**
   * Routes one job.
   *
   * @return the model, the rule that chose it, and the cues that made the rule apply (distinct)
   * @throws StageException {@link ExitClass#DATA}, reason {@code unknown_model}, when the job names
   *     an explicit model the catalog does not know
   */
  public RouteDecision route(Job job) {
    JobCues cues = new JobCues(job, lexicon);
    String instruction = lexicon.unquoted(cues.prompt());
    LanguageId.Guess lang = languages.identify(instruction, lexicon::votes);
    for (RouteRule rule : rules) {
      Optional<RouteDecision> d = rule.apply(cues);
      if (d.isPresent()) {
        Set<String> distinct = new LinkedHashSet<>(d.get().cues());
        List<String> warnings = new ArrayList<>();
        if (!lang.covered() && !d.get().rule().equals("explicit-model")) {
          if (strict) {
            throw new StageException(
                ExitClass.DATA,
                FailureReason.UNCOVERED_LANGUAGE,
                "job "
                    + job.id()
                    + ": prompt: reads as "
                    + lang.languageName()
                    + " ("
                    + lang.language()
                    + ", confidence "
                    + confidence(lang)
                    + "), a language no routing lexicon "
                    + "covers; --strict-routing refuses it: name the model in the job's \"model\" field, or write the prompt in one of "
                    + String.join(", ", new java.util.TreeSet<>(languages.covered())));
          }
          warnings.add(
              "uncovered-language: the prompt reads as "
                  + lang.languageName()
                  + " ("
                  + lang.language()
                  + ", confidence "
                  + confidence(lang)
                  + "), which no routing lexicon covers: its words were not understood, so rule "
                  + d.get().rule()
                  + " decided from "
                  + (distinct.isEmpty() ? "nothing but the fallback" : String.join(", ", distinct))
                  + "; name the model in the job's \"model\" field to be sure (--strict-routing refuses such prompts)");
        }
        return new RouteDecision(
            d.get().modelId(),
            d.get().rule(),
            new ArrayList<>(distinct),
            warnings,
            null,
            lang.language(),
            round(lang.confidence()));
      }
    }
    throw new IllegalStateException("the default rule always applies");
  }

  /**
   * Every rule that applies to {@code job}, in evaluation order, each with the cues that made it
   * apply: the first is the rule {@link #route} decides by, the others lost to it by the rules'
   * precedence. For {@code route --explain}: "mask won over multi-reference".
   *
   * @throws StageException as {@link #route}
   */
  public List<RouteDecision> candidates(Job job) {
    JobCues cues = new JobCues(job, lexicon);
    List<RouteDecision> out = new ArrayList<>();
    for (RouteRule rule : rules) {
      rule.apply(cues)
          .ifPresent(
              d ->
                  out.add(
                      new RouteDecision(
                          d.modelId(), d.rule(), new ArrayList<>(new LinkedHashSet<>(d.cues())))));
    }
    return out;
  }

  private static String confidence(LanguageId.Guess g) {
    return String.format(java.util.Locale.ROOT, "%.2f", g.confidence());
  }

  /** Two decimals: the confidence is a rough measure, and events stay short. */
  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private Optional<RouteDecision> explicit(JobCues c) {
    String model = c.job().model();
    if (model == null || model.isBlank()) {
      return Optional.empty();
    }
    Optional<ModelSpec> spec = catalog.resolve(model);
    if (spec.isEmpty()) {
      throw CatalogMiss.of(catalog, c.job().id(), "model", model);
    }
    String id = spec.get().modelId();
    List<String> cues =
        id.equals(model) ? List.of("model:" + model) : List.of("model:" + model, "resolved:" + id);
    return Optional.of(new RouteDecision(id, "explicit-model", cues));
  }

  private Optional<RouteDecision> named(JobCues c) {
    return c.brand()
        .map(
            b -> {
              Evidence lora = loraAsked(c);
              boolean toLora = target(b.modelId()).equals(target(Z_IMAGE)) && lora.found();
              List<String> cues = new ArrayList<>(List.of("brand:" + b.text()));
              if (toLora) {
                cues.addAll(lora.cues());
              }
              return new RouteDecision(
                  target(toLora ? Z_IMAGE_LORA : b.modelId()), "named-in-prompt", cues);
            });
  }

  /**
   * A LoRA the prompt asks for (not one it declines: "no LoRA needed"), or the {@code loras} param.
   */
  private static Evidence loraAsked(JobCues c) {
    return c.affirmed("lora").or(c.param(LORAS_PARAM));
  }

  /**
   * Restyle, an outfit change, or an object swap tracked across frames (not a removal or a region).
   */
  private static Evidence restyle(JobCues c) {
    return c.cue("restyle")
        .or(c.cue("outfit").unless(c.cue("remove")))
        .or(c.cue("swap").and(c.cue("tracking")).unless(c.cue("remove")).unless(c.cue("region")));
  }

  /**
   * {@link #MASK_REFERENCE}: skipped when the images and the mask together exceed GPT Image's
   * count.
   */
  private RouteRule maskReference() {
    String id = target(GPT_IMAGE);
    int max = catalog.find(id).map(ModelSpec::maxImages).orElse(Integer.MAX_VALUE);
    return RouteRule.to(
        MASK_REFERENCE,
        id,
        c ->
            c.job().images().size() < max
                ? c.mask().and(c.images(2, Integer.MAX_VALUE)).and(c.cue("reference"))
                : Evidence.none());
  }

  /**
   * An image rule, skipped when its model cannot take the job's image count (a missing model takes
   * any count: the job then fails naming it instead of drifting to another route).
   */
  private RouteRule image(String name, String modelId, Function<JobCues, Evidence> when) {
    String id = target(modelId);
    int max = catalog.find(id).map(ModelSpec::maxImages).orElse(Integer.MAX_VALUE);
    return RouteRule.to(
        name, id, c -> c.job().images().size() <= max ? when.apply(c) : Evidence.none());
  }
}
