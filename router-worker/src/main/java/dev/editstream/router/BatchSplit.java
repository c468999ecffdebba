package dev.editstream.router;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a batch body whose image array is over the model's limit into calls of at most {@code max}
 * images, with the series' look locked: every call gets the same {@code aspect_ratio} and {@code
 * resolution} (source: the image-edit skill, "up to 20 inputs per call; aspect ratio and resolution
 * locked for the series"). Pure.
 */
public final class BatchSplit {
  private BatchSplit() {}

  /** Common aspect ratios, for locking a series to its first image's shape. */
  private static final int[][] RATIOS = {
    {1, 1}, {4, 3}, {3, 4}, {3, 2}, {2, 3}, {16, 9}, {9, 16}, {5, 4}, {4, 5}, {21, 9}
  };

  /**
   * @param body the full body (images field an array)
   * @param imagesField the array field, e.g. {@code image_urls}
   * @param max images per call, &gt;= 1
   * @param aspectRatio the ratio to lock when the body has none (or {@code auto})
   * @param resolution the resolution to lock when the body has none
   * @return the bodies, in order; one body (a copy) when no split is needed
   */
  public static List<ObjectNode> split(
      ObjectNode body, String imagesField, int max, String aspectRatio, String resolution) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1, was " + max);
    }
    ArrayNode all = (ArrayNode) body.get(imagesField);
    List<ObjectNode> out = new ArrayList<>();
    if (all == null || all.size() <= max) {
      out.add(body.deepCopy());
      return out;
    }
    String ar =
        body.hasNonNull("aspect_ratio") && !"auto".equals(body.get("aspect_ratio").asText())
            ? body.get("aspect_ratio").asText()
            : aspectRatio;
    String res = body.hasNonNull("resolution") ? body.get("resolution").asText() : resolution;
    for (int from = 0; from < all.size(); from += max) {
      ObjectNode part = body.deepCopy();
      ArrayNode images = part.putArray(imagesField);
      for (int i = from; i < Math.min(all.size(), from + max); i++) {
        images.add(all.get(i).deepCopy());
      }
      part.put("aspect_ratio", ar);
      part.put("resolution", res);
      out.add(part);
    }
    return out;
  }

  /**
   * The nearest common ratio ({@code W:H}) to an image's size.
   *
   * @param width pixels, &gt; 0
   * @param height pixels, &gt; 0
   */
  public static String nearestRatio(int width, int height) {
    double r = (double) width / height;
    int[] best = RATIOS[0];
    for (int[] c : RATIOS) {
      if (Math.abs(Math.log(r / ((double) c[0] / c[1])))
          < Math.abs(Math.log(r / ((double) best[0] / best[1])))) {
        best = c;
      }
    }
    return best[0] + ":" + best[1];
  }
}
