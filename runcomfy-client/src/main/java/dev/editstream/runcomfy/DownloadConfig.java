package dev.editstream.runcomfy;

import java.time.Duration;

/**
 * Settings of {@link OutputDownloader}; defaults are RunComfy CLI values.
 *
 * @param connectTimeout TCP connect timeout (CLI: 10 s), positive
 * @param readTimeout longest silence while reading a response (CLI: 120 s), positive
 * @param maxBytes largest file accepted, bytes (CLI: 2 GiB = 2,147,483,648), positive
 * @param maxRedirects redirects followed per file (CLI: 10), 0 or more
 * @param maxConnections size of the downloader's connection pool, at least 1
 * @param syncEveryBytes background writeback of large files: a background fdatasync starts each
 *     time this many bytes were written since the last one (and a download waits when {@value
 *     #PENDING_SYNC_FACTOR} times this are written but not yet synced), bytes; 0 = none, only the
 *     final fsync (the CLI's behaviour). Files smaller than this never see a background sync, nor
 *     do files written with {@code O_DIRECT} (see {@link OutputDownloader}).
 * @param deadline the longest one whole download may take, redirects, connect and body included
 *     (default 30 min), positive; past it the download fails with TEMPFAIL {@code
 *     download_deadline} and its part file is deleted. Unlike {@code readTimeout}, a body that
 *     trickles (one byte every few seconds) cannot outlive it.
 * @param maxOutputUrls the most output URLs taken from one result ({@link OutputUrls#find}),
 *     default {@value #DEFAULT_MAX_OUTPUT_URLS}, at least 1
 */
public record DownloadConfig(
    Duration connectTimeout,
    Duration readTimeout,
    long maxBytes,
    int maxRedirects,
    int maxConnections,
    long syncEveryBytes,
    Duration deadline,
    int maxOutputUrls) {
  /** Default whole-download deadline: 30 min. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(30);

  /** Default cap on output URLs per result. */
  public static final int DEFAULT_MAX_OUTPUT_URLS = OutputUrls.DEFAULT_MAX_URLS;

  /** CLI cap: 2 GiB. */
  public static final long DEFAULT_MAX_BYTES = 2_147_483_648L;

  /** Default background writeback step: 32 MiB, bytes. */
  public static final long DEFAULT_SYNC_EVERY_BYTES = 32L << 20;

  /**
   * Bytes written but not yet synced, in units of {@code syncEveryBytes}, before a download waits.
   */
  public static final int PENDING_SYNC_FACTOR = 4;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the invalid field
   */
  public DownloadConfig {
    if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout: must be positive");
    }
    if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
      throw new IllegalArgumentException("readTimeout: must be positive");
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes: must be positive, was " + maxBytes);
    }
    if (maxRedirects < 0) {
      throw new IllegalArgumentException("maxRedirects: must not be negative, was " + maxRedirects);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "maxConnections: must be at least 1, was " + maxConnections);
    }
    if (syncEveryBytes < 0) {
      throw new IllegalArgumentException(
          "syncEveryBytes: must not be negative, was " + syncEveryBytes);
    }
    if (deadline == null || deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline: must be positive");
    }
    if (maxOutputUrls < 1) {
      throw new IllegalArgumentException("maxOutputUrls: must be at least 1, was " + maxOutputUrls);
    }
  }

  /**
   * Settings with the default deadline and output URL cap (the constructor before issue 14).
   *
   * @throws IllegalArgumentException naming the invalid field
   */
  public DownloadConfig(
      Duration connectTimeout,
      Duration readTimeout,
      long maxBytes,
      int maxRedirects,
      int maxConnections,
      long syncEveryBytes) {
    this(
        connectTimeout,
        readTimeout,
        maxBytes,
        maxRedirects,
        maxConnections,
        syncEveryBytes,
        DEFAULT_DEADLINE,
        DEFAULT_MAX_OUTPUT_URLS);
  }

  /**
   * CLI defaults: 10 s connect, 120 s read inactivity, 2 GiB, 10 redirects; 500 connections, a
   * background sync every 32 MiB, a 30 min whole-download deadline and 1,000 output URLs per result
   * (editstream's own).
   */
  public static DownloadConfig defaults() {
    return new DownloadConfig(
        Duration.ofSeconds(10),
        Duration.ofSeconds(120),
        DEFAULT_MAX_BYTES,
        10,
        500,
        DEFAULT_SYNC_EVERY_BYTES);
  }

  /** A copy with another size cap. */
  public DownloadConfig withMaxBytes(long max) {
    return new DownloadConfig(
        connectTimeout,
        readTimeout,
        max,
        maxRedirects,
        maxConnections,
        syncEveryBytes,
        deadline,
        maxOutputUrls);
  }

  /** A copy with another read inactivity timeout. */
  public DownloadConfig withReadTimeout(Duration timeout) {
    return new DownloadConfig(
        connectTimeout,
        timeout,
        maxBytes,
        maxRedirects,
        maxConnections,
        syncEveryBytes,
        deadline,
        maxOutputUrls);
  }

  /** A copy with another background writeback step, bytes (0 = none). */
  public DownloadConfig withSyncEveryBytes(long bytes) {
    return new DownloadConfig(
        connectTimeout,
        readTimeout,
        maxBytes,
        maxRedirects,
        maxConnections,
        bytes,
        deadline,
        maxOutputUrls);
  }

  /** A copy with another whole-download deadline. */
  public DownloadConfig withDeadline(Duration d) {
    return new DownloadConfig(
        connectTimeout,
        readTimeout,
        maxBytes,
        maxRedirects,
        maxConnections,
        syncEveryBytes,
        d,
        maxOutputUrls);
  }

  /** A copy with another cap on output URLs per result. */
  public DownloadConfig withMaxOutputUrls(int max) {
    return new DownloadConfig(
        connectTimeout,
        readTimeout,
        maxBytes,
        maxRedirects,
        maxConnections,
        syncEveryBytes,
        deadline,
        max);
  }
}
