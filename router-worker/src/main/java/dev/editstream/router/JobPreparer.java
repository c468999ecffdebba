package dev.editstream.router;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.FailureReason;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.job.Job;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.core.model.CostEstimate;
import dev.editstream.core.model.InputValidation;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything the router does to a job before the paid call, with no Kafka and no HTTP: route it
 * ({@link Router}), lint its prompt ({@link PromptLint}, warnings on the decision), check its mask
 * ({@link MaskCheck}, feathered when {@code params.mask_feather_px} asks), build the model's body
 * with staged inputs ({@link BodyBuilder}, {@link InputStager}) and check it against the model's
 * schema ({@link BodyCheck}). Used by {@link RouterHandler} and by the {@code editstream route} dry
 * run. Thread-safe.
 *
 * <p>{@link #prepare} reads local mask and image files when the job has them ({@link #readsFiles}):
 * then it blocks, so call it off the Netty event loop ({@code Schedulers.boundedElastic()}).
 */
public final class JobPreparer {
  /**
   * The job param asking to feather the mask by 1..3 px. It is editstream's, not the model's: it is
   * removed from the body.
   */
  public static final String FEATHER_PARAM = "mask_feather_px";

  /**
   * A routed job with its checked body, ready to submit.
   *
   * @param route the model, rule, cues and lint warnings
   * @param body the request body of {@code POST /models/{model_id}}, valid for the model's schema
   */
  public record Prepared(RouteDecision route, ObjectNode body, List<ObjectNode> parts) {
    /** A job sent as one request. */
    public Prepared(RouteDecision route, ObjectNode body) {
      this(route, body, List.of(body));
    }
  }

  private final Router router;
  private final ModelCatalog catalog;
  private final PromptLint lint;
  private final InputStager stager;

  /**
   * @param router picks the model
   * @param catalog the models' fields and schemas (the same catalog the router knows)
   * @param lint the prompt lint
   * @param stager turns input references into URLs ({@link InputStager#dryRun(List)} for dry runs)
   */
  public JobPreparer(Router router, ModelCatalog catalog, PromptLint lint, InputStager stager) {
    this.router = router;
    this.catalog = catalog;
    this.lint = lint;
    this.stager = stager;
  }

  /**
   * The same preparer over another catalog (a refreshed live catalog): the routing targets are
   * resolved again, lint and stager are kept.
   */
  public JobPreparer withCatalog(ModelCatalog next) {
    return new JobPreparer(router.withCatalog(next), next, lint, stager);
  }

  /** The router this preparer routes with. */
  public Router router() {
    return router;
  }

  /** A preparer over the built-in router, catalog and lint. */
  public static JobPreparer builtIn(InputStager stager) {
    Router router = Router.builtIn();
    return new JobPreparer(router, ModelCatalog.builtIn(), PromptLint.of(router.lexicon()), stager);
  }

  /**
   * Whether {@link #prepare} reads or writes local files for {@code job}: true when any input
   * (image, mask, video) is a local path rather than an http(s) URL. Only then must it run where
   * blocking is allowed; otherwise it is CPU work only (routing, lint, schema check).
   */
  public static boolean readsFiles(Job job) {
    for (String ref : job.inputs()) {
      if (ref != null && !JobLineParser.isUrl(ref)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether preparing a job with local inputs may wait on the network: its stager uploads them
   * ({@link InputStager#uploads()}).
   */
  public boolean uploads() {
    return stager.uploads();
  }

  /**
   * Routes, lints, checks the mask, builds and checks the body.
   *
   * @return the decision (with warnings) and the body
   * @throws StageException class 65 for an unknown model, a job whose inputs do not fit the model,
   *     a local input the stager's {@link LocalInputs} gate refuses ({@code input_not_allowed}
   *     outside the allowed folders or secret-looking, {@code input_too_large} over the byte or
   *     pixel limit, {@code input_type} when its content does not fit its role), a bad {@code
   *     mask_feather_px} or mask (reason {@code mask}, message {@code job <id>: mask: ...}), or a
   *     body the schema refuses; 66 for a missing local file
   */
  public Prepared prepare(Job job) {
    if (job.hasRedactedInputs()) {
      // events after the router drop pre-signed query strings; a replay of such a job has none left
      throw new StageException(
          ExitClass.DATA,
          FailureReason.INPUTS_REDACTED,
          "job "
              + job.id()
              + ": its input URLs lost their signatures "
              + "(pre-signed query strings never travel past the router): produce the job's line again instead of replaying it");
    }
    RouteDecision route = router.route(job);
    ModelSpec spec =
        catalog
            .find(route.modelId())
            .orElseThrow(
                () -> CatalogMiss.of(catalog, job.id(), "routing target", route.modelId()));
    List<String> warnings = new ArrayList<>(route.warnings());
    warnings.addAll(lint.lint(job, route, spec));
    int feather = featherPx(job);
    try (OpenInputs local = openLocal(job, spec)) {
      preflight(job, spec, warnings, local);
      Job toBuild = withoutFeatherParam(job);
      if (job.mask() != null && !JobLineParser.isUrl(job.mask())) {
        toBuild = checkMask(toBuild, feather, warnings, local);
      } else if (job.mask() != null && feather > 0) {
        warnings.add(
            "mask-not-feathered: the mask is an https URL, editstream does not fetch it, so "
                + FEATHER_PARAM
                + " was ignored");
      }
      if (Router.MASK_REFERENCE.equals(route.rule())) {
        toBuild = maskAsReference(toBuild);
        warnings.add(
            "mask-as-reference: "
                + spec.modelId()
                + " takes no mask field, so the mask goes as image "
                + toBuild.images().size()
                + " and the prompt says so; check that the white area is the one to change");
      }
      // local inputs are named by the real path that was checked, not by what the record said
      ObjectNode body =
          BodyBuilder.build(
              toBuild, spec, ref -> stager.url(job.id(), local.field(ref), local.realOf(ref)));
      int max = spec.maxImages();
      if (spec.modelId().equals(Router.NANO_BANANA)
          && spec.fields().imagesArray()
          && job.images().size() > max) {
        String ratio = lockedRatio(job, warnings, local);
        String imagesField = Objects.requireNonNull(spec.fields().images(), "images"); // an array
        List<ObjectNode> parts = BatchSplit.split(body, imagesField, max, ratio, "1K");
        for (ObjectNode part : parts) {
          BodyCheck.require(catalog, job.id(), spec.modelId(), part);
        }
        warnings.add(
            "batch-split: "
                + job.images().size()
                + " images sent as "
                + parts.size()
                + " calls of at most "
                + max
                + ", aspect_ratio "
                + parts.get(0).get("aspect_ratio").asText()
                + " and resolution "
                + parts.get(0).get("resolution").asText()
                + " locked for the series");
        return new Prepared(
            route.withWarnings(warnings).withEstimate(estimate(spec, parts)), body, parts);
      }
      BodyCheck.require(catalog, job.id(), spec.modelId(), body);
      return new Prepared(
          route.withWarnings(warnings).withEstimate(estimate(spec, List.of(body))), body);
    }
  }

  /**
   * The job's local inputs, each confined, opened without following links and checked by the
   * stager's {@link LocalInputs} gate (folders, secret names, size, pixels, content type) before
   * anything else reads them; held open while the job is prepared, so every later read goes through
   * the checked channel.
   */
  private OpenInputs openLocal(Job job, ModelSpec spec) {
    OpenInputs open = new OpenInputs();
    LocalInputs gate = stager.inputs();
    try {
      for (int i = 0; i < job.images().size(); i++) {
        open.add(
            gate,
            job.id(),
            "images[" + i + "]",
            job.images().get(i),
            LocalInputs.Role.IMAGE,
            byteLimit(spec, spec.fields().images(), gate.limits().maxImageBytes()));
      }
      if (job.mask() != null) {
        // decoded here: editstream's mask limit, whatever the catalog allows
        open.add(
            gate,
            job.id(),
            "mask",
            job.mask(),
            LocalInputs.Role.MASK,
            gate.limits().maxMaskBytes());
      }
      if (job.video() != null) {
        open.add(
            gate,
            job.id(),
            "video",
            job.video(),
            LocalInputs.Role.VIDEO,
            byteLimit(spec, spec.fields().video(), gate.limits().maxVideoBytes()));
      }
      return open;
    } catch (RuntimeException e) {
      open.close();
      throw e;
    }
  }

  /**
   * editstream's byte limit for a field: its default for the role, raised to the catalog's {@code
   * file_size_mb<} (or {@code <=}) rule when the model says it takes larger files (editstream reads
   * only the headers of images and videos). A tighter catalog rule is checked right after by {@link
   * Preflight} (reason {@code input_rule}, in RunComfy's words), still before any read.
   */
  private static long byteLimit(ModelSpec spec, @Nullable String field, long fallback) {
    if (field == null) {
      return fallback;
    }
    for (InputValidation v : spec.validations()) {
      String r = v.rule().replace(" ", "");
      if (field.equals(v.field()) && (r.equals("file_size_mb<") || r.equals("file_size_mb<="))) {
        java.util.Optional<Double> mb = Preflight.number(v.value());
        if (mb.isPresent() && mb.get() > 0) {
          return Math.max(
              fallback, (long) Math.min(Long.MAX_VALUE / 2d, Math.ceil(mb.get() * 1_048_576d)));
        }
      }
    }
    return fallback;
  }

  /** The checked, open local inputs of one job, by the reference the job gives. */
  private static final class OpenInputs implements AutoCloseable {
    private final Map<String, LocalInputs.Opened> byRef = new LinkedHashMap<>();
    private final Map<String, String> fields = new LinkedHashMap<>();
    private final List<LocalInputs.Opened> all = new ArrayList<>();

    void add(
        LocalInputs gate,
        String jobId,
        String field,
        @Nullable String ref,
        LocalInputs.Role role,
        long maxBytes) {
      if (ref == null || JobLineParser.isUrl(ref)) {
        return;
      }
      LocalInputs.Opened o = gate.open(jobId, field, ref, role, maxBytes);
      all.add(o);
      byRef.putIfAbsent(ref, o);
      fields.putIfAbsent(ref, field);
    }

    LocalInputs.@Nullable Opened get(String ref) {
      return byRef.get(ref);
    }

    /** The opened file of a local reference that {@link #add} opened. */
    LocalInputs.Opened opened(String ref) {
      return Objects.requireNonNull(byRef.get(ref), "not opened");
    }

    /**
     * The real path a local reference was checked as; the reference itself otherwise (URLs, files
     * editstream wrote).
     */
    String realOf(String ref) {
      LocalInputs.Opened o = byRef.get(ref);
      return o == null ? ref : o.realPath().toString();
    }

    String field(String ref) {
      return fields.getOrDefault(ref, "input");
    }

    @Override
    public void close() {
      all.forEach(LocalInputs.Opened::close);
    }
  }

  /**
   * The cost of every request of the job, from the catalog's price ({@link ModelCatalog#estimate}).
   */
  private CostEstimate estimate(ModelSpec spec, List<ObjectNode> bodies) {
    double usd = 0;
    double units = 0;
    boolean exact = true;
    String unit = spec.price().unit();
    for (ObjectNode b : bodies) {
      CostEstimate e = catalog.estimate(spec.modelId(), b);
      usd += e.usd();
      units += e.units();
      exact &= e.exact();
    }
    return new CostEstimate(Math.round(usd * 1_000_000d) / 1_000_000d, unit, units, exact);
  }

  /**
   * Checks the job's local input files against the input rules of the model's catalog entry (size,
   * width, height, aspect ratio; {@link Preflight}); rules on URL inputs, or of a kind editstream
   * does not know, are named in one warning.
   *
   * @throws StageException class 65, reason {@code input_rule}, naming every breach
   */
  private static void preflight(Job job, ModelSpec spec, List<String> warnings, OpenInputs local) {
    List<String> breaches = new ArrayList<>();
    java.util.Set<String> unchecked = new java.util.LinkedHashSet<>();
    for (InputValidation v : spec.validations()) {
      for (String ref : inputsOf(job, spec, v.field())) {
        if (JobLineParser.isUrl(ref)) {
          unchecked.add(v.describe() + " (a URL input)");
          continue;
        }
        Preflight.Verdict verdict = Preflight.check(v, facts(local.opened(ref)));
        if (verdict.breach() != null) {
          breaches.add(verdict.breach());
        } else if (verdict.unchecked()) {
          unchecked.add(v.describe());
        }
      }
    }
    if (!breaches.isEmpty()) {
      throw new StageException(
          ExitClass.DATA,
          FailureReason.INPUT_RULE,
          "job "
              + job.id()
              + ": "
              + spec.modelId()
              + " would refuse the input: "
              + String.join("; ", new java.util.LinkedHashSet<>(breaches)));
    }
    if (!unchecked.isEmpty()) {
      warnings.add("input-rules-unchecked: " + String.join("; ", unchecked));
    }
  }

  /** The job's input references that go to body field {@code field}. */
  private static List<String> inputsOf(Job job, ModelSpec spec, String field) {
    ModelSpec.Fields f = spec.fields();
    if (field.equals(f.images())) {
      return job.images();
    }
    if (field.equals(f.mask()) && job.mask() != null) {
      return List.of(job.mask());
    }
    if (field.equals(f.video()) && job.video() != null) {
      return List.of(job.video());
    }
    return List.of();
  }

  /**
   * Size and, for an image, dimensions of a checked local input (read through its open channel,
   * headers only).
   */
  private static Preflight.FileFacts facts(LocalInputs.Opened o) {
    String name = o.realPath().getFileName() == null ? "" : o.realPath().getFileName().toString();
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    return new Preflight.FileFacts(o.size(), o.width(), o.height(), ext);
  }

  /**
   * The aspect ratio that locks a split series: the first image's, when it is a local file ImageIO
   * reads.
   */
  private String lockedRatio(Job job, List<String> warnings, OpenInputs local) {
    LocalInputs.Opened first = local.get(job.images().get(0));
    if (first != null && first.width() != null && first.height() != null) {
      return BatchSplit.nearestRatio(first.width(), first.height());
    }
    warnings.add(
        "batch-ratio-default: the first image's shape could not be read, the series is locked to 1:1 (set params.aspect_ratio)");
    return "1:1";
  }

  /**
   * Checks a local mask (and its size against the first image when that is local), feathering it
   * when asked. The mask is read whole through its checked channel (within the mask's byte limit)
   * and its header's pixel count is checked before decoding; of the image only the header is read.
   */
  private Job checkMask(Job job, int feather, List<String> warnings, OpenInputs local) {
    LocalInputs.Opened maskFile = local.opened(Objects.requireNonNull(job.mask(), "mask"));
    byte[] mask = maskFile.readAll();
    String first = job.images().isEmpty() ? null : job.images().get(0);
    LocalInputs.Opened image = first == null ? null : local.get(first);
    int[] imageSize =
        image == null || image.width() == null || image.height() == null
            ? null
            : new int[] {image.width(), image.height()};
    MaskCheck.Result r;
    try {
      r = MaskCheck.check(imageSize, mask, feather, stager.inputs().limits());
    } catch (StageException e) {
      throw MaskCheck.forJob(job.id(), e);
    }
    if (!r.sizeChecked()) {
      warnings.add(
          "mask-size-unchecked: the image is not a local file editstream can read, so the mask's "
              + r.width()
              + "x"
              + r.height()
              + " size was not compared with it");
    }
    if (!r.feathered()) {
      return job;
    }
    Path feathered =
        stager.writeTemp(
            job.id(), "mask-feathered.png", Objects.requireNonNull(r.featheredPng(), "feathered"));
    return new Job(
        job.id(),
        job.prompt(),
        job.images(),
        feathered.toString(),
        job.video(),
        job.model(),
        job.params(),
        job.batch());
  }

  /**
   * The feathering asked by {@code params.mask_feather_px}: 0 when absent.
   *
   * @throws StageException class 65, reason {@code mask}, when it is not an integer 1..3 or the job
   *     has no mask
   */
  static int featherPx(Job job) {
    Object v = job.params().get(FEATHER_PARAM);
    if (v == null) {
      return 0;
    }
    boolean integral = v instanceof Integer || v instanceof Long || v instanceof Short;
    long n = integral ? ((Number) v).longValue() : -1;
    if (n < 1 || n > MaskCheck.MAX_FEATHER_PX) {
      throw new StageException(
          ExitClass.DATA,
          FailureReason.MASK,
          "job "
              + job.id()
              + ": mask: params."
              + FEATHER_PARAM
              + " must be an integer 1.."
              + MaskCheck.MAX_FEATHER_PX
              + " (px), was "
              + v);
    }
    if (job.mask() == null) {
      throw new StageException(
          ExitClass.DATA,
          FailureReason.MASK,
          "job "
              + job.id()
              + ": mask: params."
              + FEATHER_PARAM
              + " asks to feather a mask, but the job has none");
    }
    return (int) n;
  }

  /**
   * The job with its mask appended to its images, as the last numbered image, and a sentence
   * telling the model what it is ({@link Router#MASK_REFERENCE}).
   */
  static Job maskAsReference(Job job) {
    List<String> images = new ArrayList<>(job.images());
    images.add(job.mask());
    int n = images.size();
    String prompt =
        job.prompt().strip()
            + (job.prompt().strip().isEmpty() ? "" : "\n")
            + "Image "
            + n
            + " is a mask of image 1: change only the area that is white in image "
            + n
            + " and keep everything in its black area unchanged.";
    return new Job(
        job.id(), prompt, images, null, job.video(), job.model(), job.params(), job.batch());
  }

  private static Job withoutFeatherParam(Job job) {
    if (!job.params().containsKey(FEATHER_PARAM)) {
      return job;
    }
    Map<String, Object> params = new LinkedHashMap<>(job.params());
    params.remove(FEATHER_PARAM);
    return new Job(
        job.id(),
        job.prompt(),
        job.images(),
        job.mask(),
        job.video(),
        job.model(),
        params,
        job.batch());
  }
}
