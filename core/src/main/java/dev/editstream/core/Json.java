package dev.editstream.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one Jackson configuration of editstream: snake_case fields, ISO-8601 instants, and bounded
 * reads ({@link #READ_LIMITS}): a hostile document (100,000 nested arrays, a 50 MB string, a number
 * of 10,000 digits) fails with a {@link com.fasterxml.jackson.core.exc.StreamConstraintsException}
 * after reading at most the limit, instead of exhausting the stack or the heap.
 */
public final class Json {
  /** Deepest nesting of objects and arrays read. */
  public static final int MAX_NESTING_DEPTH = 200;

  /**
   * Longest string value read, characters (16 MiB of text: far above any record, API answer or
   * catalog field).
   */
  public static final int MAX_STRING_CHARS = 16 * 1024 * 1024;

  /** Longest number read, characters (a seed has at most 20 digits). */
  public static final int MAX_NUMBER_CHARS = 100;

  /** Longest field name read, characters. */
  public static final int MAX_NAME_CHARS = 10_000;

  /** The read limits of {@link #mapper()}. */
  public static final StreamReadConstraints READ_LIMITS =
      StreamReadConstraints.builder()
          .maxNestingDepth(MAX_NESTING_DEPTH)
          .maxStringLength(MAX_STRING_CHARS)
          .maxNumberLength(MAX_NUMBER_CHARS)
          .maxNameLength(MAX_NAME_CHARS)
          .build();

  private static final ObjectMapper MAPPER = builder().build();

  /** Keys in alphabetical order, at every level: one text per value (fingerprints). */
  private static final ObjectWriter CANONICAL =
      builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build()
          .writer();

  private Json() {}

  private static JsonMapper.Builder builder() {
    return JsonMapper.builder(JsonFactory.builder().streamReadConstraints(READ_LIMITS).build())
        .addModule(new JavaTimeModule())
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  /**
   * A writer of {@link #mapper()}'s configuration with sorted object keys and map entries
   * (canonical JSON).
   */
  public static ObjectWriter canonicalWriter() {
    return CANONICAL;
  }

  /** The shared, thread-safe mapper. Do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }
}
