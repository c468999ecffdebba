package dev.editstream.router;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.editstream.core.error.ExitClass;
import dev.editstream.core.error.StageException;
import dev.editstream.core.event.RouteDecision;
import dev.editstream.core.job.Job;
import dev.editstream.core.job.JobLineParser;
import dev.editstream.core.model.ModelCatalog;
import dev.editstream.core.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the router does to a job before the paid call, with no Kafka and no HTTP: route it
 * ({@link Router}), lint its prompt ({@link PromptLint}, warnings on the decision), check its mask
 * ({@link MaskCheck}, feathered when {@code params.mask_feather_px} asks), build the model's body
 * with staged inputs ({@link BodyBuilder}, {@link InputStager}) and check it against the model's
 * schema ({@link BodyCheck}). Used by {@link RouterHandler} and by the {@code editstream route}
 * dry run. Thread-safe.
 *
 * <p>{@link #prepare} reads local mask and image files when the job has them ({@link #readsFiles}):
 * then it blocks, so call it off the Netty event loop ({@code Schedulers.boundedElastic()}).
 */
public final class JobPreparer {
  /**
   * The job param asking to feather the mask by 1..3 px. It is editstream's, not the model's: it
   * is removed from the body.
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
   * @param stager turns input references into URLs ({@link InputStager#dryRun()} for dry runs)
   */
  public JobPreparer(Router router, ModelCatalog catalog, PromptLint lint, InputStager stager) {
    this.router = router;
    this.catalog = catalog;
    this.lint = lint;
    this.stager = stager;
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
   * Routes, lints, checks the mask, builds and checks the body.
   *
   * @return the decision (with warnings) and the body
   * @throws StageException class 65 for an unknown model, a job whose inputs do not fit the model,
   *     a bad {@code mask_feather_px} or mask (reason {@code mask}, message {@code job <id>: mask:
   *     ...}), or a body the schema refuses; 66 for a missing local file
   */
  public Prepared prepare(Job job) {
    RouteDecision route = router.route(job);
    ModelSpec spec = catalog.find(route.modelId()).orElseThrow(() -> new StageException(ExitClass.DATA, "unknown_model",
        "job " + job.id() + ": model_id " + route.modelId() + " is not in the catalog (known: "
            + String.join(", ", catalog.all().stream().map(ModelSpec::modelId).toList()) + ")"));
    List<String> warnings = new ArrayList<>(lint.lint(job, route, spec));
    int feather = featherPx(job);
    Job toBuild = withoutFeatherParam(job);
    if (job.mask() != null && !JobLineParser.isUrl(job.mask())) {
      toBuild = checkMask(toBuild, feather, warnings);
    } else if (job.mask() != null && feather > 0) {
      warnings.add("mask-not-feathered: the mask is an https URL, editstream does not fetch it, so "
          + FEATHER_PARAM + " was ignored");
    }
    ObjectNode body = BodyBuilder.build(toBuild, spec, ref -> stager.url(job.id(), ref));
    int max = spec.maxImages();
    if (spec.modelId().equals(Router.NANO_BANANA) && spec.fields().imagesArray() && job.images().size() > max) {
      String ratio = lockedRatio(job, warnings);
      List<ObjectNode> parts = BatchSplit.split(body, spec.fields().images(), max, ratio, "1K");
      for (ObjectNode part : parts) {
        BodyCheck.require(catalog, job.id(), spec.modelId(), part);
      }
      warnings.add("batch-split: " + job.images().size() + " images sent as " + parts.size() + " calls of at most " + max
          + ", aspect_ratio " + parts.get(0).get("aspect_ratio").asText() + " and resolution " + parts.get(0).get("resolution").asText()
          + " locked for the series");
      return new Prepared(route.withWarnings(warnings), body, parts);
    }
    BodyCheck.require(catalog, job.id(), spec.modelId(), body);
    return new Prepared(route.withWarnings(warnings), body);
  }

  /** The aspect ratio that locks a split series: the first image's, when it is a local file ImageIO reads. */
  private String lockedRatio(Job job, List<String> warnings) {
    String first = job.images().get(0);
    if (!JobLineParser.isUrl(first)) {
      try (javax.imageio.stream.ImageInputStream in = javax.imageio.ImageIO.createImageInputStream(new java.io.File(first))) {
        java.util.Iterator<javax.imageio.ImageReader> it = in == null ? java.util.Collections.emptyIterator() : javax.imageio.ImageIO.getImageReaders(in);
        if (it.hasNext()) {
          javax.imageio.ImageReader r = it.next();
          try {
            r.setInput(in);
            return BatchSplit.nearestRatio(r.getWidth(0), r.getHeight(0));
          } finally {
            r.dispose();
          }
        }
      } catch (java.io.IOException e) {
        // fall through to the default
      }
    }
    warnings.add("batch-ratio-default: the first image's shape could not be read, the series is locked to 1:1 (set params.aspect_ratio)");
    return "1:1";
  }

  /** Checks a local mask (and its size against the first image when that is local), feathering it when asked. */
  private Job checkMask(Job job, int feather, List<String> warnings) {
    byte[] mask = read(job.id(), job.mask());
    String first = job.images().isEmpty() ? null : job.images().get(0);
    byte[] image = first == null || JobLineParser.isUrl(first) ? null : read(job.id(), first);
    MaskCheck.Result r;
    try {
      r = MaskCheck.check(image, mask, feather);
    } catch (StageException e) {
      throw MaskCheck.forJob(job.id(), e);
    }
    if (!r.sizeChecked()) {
      warnings.add("mask-size-unchecked: the image is not a local file editstream can read, so the mask's "
          + r.width() + "x" + r.height() + " size was not compared with it");
    }
    if (!r.feathered()) {
      return job;
    }
    Path feathered = stager.writeTemp(job.id(), "mask-feathered.png", r.featheredPng());
    return new Job(job.id(), job.prompt(), job.images(), feathered.toString(), job.video(), job.model(), job.params(), job.batch());
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
      throw new StageException(ExitClass.DATA, "mask", "job " + job.id() + ": mask: params." + FEATHER_PARAM
          + " must be an integer 1.." + MaskCheck.MAX_FEATHER_PX + " (px), was " + v);
    }
    if (job.mask() == null) {
      throw new StageException(ExitClass.DATA, "mask", "job " + job.id() + ": mask: params." + FEATHER_PARAM
          + " asks to feather a mask, but the job has none");
    }
    return (int) n;
  }

  private static Job withoutFeatherParam(Job job) {
    if (!job.params().containsKey(FEATHER_PARAM)) {
      return job;
    }
    Map<String, Object> params = new LinkedHashMap<>(job.params());
    params.remove(FEATHER_PARAM);
    return new Job(job.id(), job.prompt(), job.images(), job.mask(), job.video(), job.model(), params, job.batch());
  }

  private static byte[] read(String jobId, String ref) {
    Path p = Path.of(ref);
    try {
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new StageException(ExitClass.NO_INPUT, "input_missing", "job " + jobId + ": local input file not found: " + p.getFileName());
    } catch (IOException e) {
      throw new StageException(ExitClass.NO_INPUT, "input_unreadable",
          "job " + jobId + ": cannot read local input " + p.getFileName() + " (" + e.getClass().getSimpleName() + ")");
    }
  }
}
