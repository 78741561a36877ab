package io.archipelago.engine.store.s3;

import io.archipelago.engine.store.remote.DriverSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Settings of a {@code kind = s3} backend (its block in {@code archipelago.backends}).
 *
 * @param endpoint the S3 endpoint, e.g. {@code https://s3.example.net} (empty: AWS itself)
 * @param region the signing region
 * @param accessKey the access key id
 * @param secretKey the secret access key
 * @param pathStyle {@code host/bucket/key} addressing instead of {@code bucket.host/key}
 * @param mode where containers go: {@link Mode#PREFIX} (key prefixes in one bucket) or {@link
 *     Mode#BUCKET} (one bucket each)
 * @param bucket PREFIX mode: the bucket holding everything (created when missing)
 * @param keyPrefix PREFIX mode: prepended to every key
 * @param bucketPrefix BUCKET mode: prepended to every bucket name
 * @param multipartThreshold objects larger than this (or of unknown length and larger than a part)
 *     are uploaded as multipart uploads
 * @param partSize the size of each part; an upload holds at most about three parts in memory
 * @param plainContentType send the content type without parameters and keep the full value as
 *     metadata (for servers that alter parameters in transit, which breaks the request signature:
 *     S3Proxy with {@code charset})
 * @param skipDirectoryMarkers leave keys ending in {@code /} out of listings (servers that list
 *     directories as keys: S3Proxy's filesystem provider)
 * @param listingConcurrency listings HEAD each listed object (for its content type and MD5) with
 *     this many requests in flight
 * @param requestTimeout the longest wait for a response once the request was sent, and the longest
 *     pause while bytes stream
 * @param connectTimeout TCP (and TLS) connection set-up
 * @param maxConnections per backend, of the pooled keep-alive connections; PUTs of bodies that
 *     stream have as many again, each on a connection of its own
 */
record S3Settings(
    Optional<URI> endpoint,
    String region,
    String accessKey,
    String secretKey,
    boolean pathStyle,
    Mode mode,
    String bucket,
    String keyPrefix,
    String bucketPrefix,
    long multipartThreshold,
    long partSize,
    boolean plainContentType,
    boolean skipDirectoryMarkers,
    int listingConcurrency,
    Duration requestTimeout,
    Duration connectTimeout,
    int maxConnections) {

  /** S3's smallest part but the last. */
  static final long MIN_PART_SIZE = 5L * 1024 * 1024;

  enum Mode {
    PREFIX,
    BUCKET
  }

  static S3Settings of(DriverSettings s) {
    Mode mode;
    try {
      mode = Mode.valueOf(s.string("mode", "prefix").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw s.invalid("mode", "must be prefix or bucket");
    }
    long partSize = s.bytes("part-size", 16L * 1024 * 1024);
    if (partSize < MIN_PART_SIZE || partSize > Integer.MAX_VALUE / 2) {
      throw s.invalid("part-size", "must be between 5MiB and 1GiB");
    }
    String bucketPrefix = s.string("bucket-prefix", "archipelago-");
    if (mode == Mode.BUCKET && !bucketPrefix.matches("[a-z0-9][a-z0-9-]{0,22}")) {
      throw s.invalid("bucket-prefix", "must be 1 to 23 lower-case letters, digits or hyphens");
    }
    return new S3Settings(
        s.optional("endpoint").map(URI::create),
        s.string("region", "us-east-1"),
        s.required("access-key"),
        s.required("secret-key"),
        s.bool("path-style", true),
        mode,
        mode == Mode.PREFIX ? s.required("bucket") : "",
        s.raw("key-prefix", ""),
        bucketPrefix,
        Math.max(partSize, s.bytes("multipart-threshold", 64L * 1024 * 1024)),
        partSize,
        s.bool("plain-content-type", false),
        s.bool("skip-directory-markers", false),
        s.integer("listing-concurrency", 16),
        s.duration("request-timeout", Duration.ofSeconds(30)),
        s.duration("connect-timeout", Duration.ofSeconds(5)),
        s.integer("max-connections", 32));
  }
}
