package io.archipelago.engine.store.remote;

import io.archipelago.engine.store.ObjectInfo;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How object metadata of the gateway is kept as user metadata of a remote store (Swift's {@code
 * X-Object-Meta-*}, S3's {@code x-amz-meta-*}), and back.
 *
 * <p>Gateway metadata names are lower case: {@code x-object-meta-<name>} for user metadata, plus
 * kept headers ({@code content-encoding}, {@code content-disposition}, {@code x-delete-at}, ...). A
 * remote store holds user metadata under a suffix ({@code <name>}):
 *
 * <ul>
 *   <li>{@code x-object-meta-<name>} is kept as {@code <name>}; when {@code <name>} starts with
 *       {@value #RESERVED} it is kept as {@code archipelago-u-<rest>} so that it never collides
 *       with the gateway's own entries;
 *   <li>{@code content-encoding} and {@code content-disposition} are native headers of both stores
 *       and are kept as such;
 *   <li>any other kept header {@code <h>} (x-delete-at, x-object-manifest, ...) is kept as {@code
 *       archipelago-h-<h>}: the backend stores it but does not act on it (a Swift backend must not
 *       expire or assemble objects behind the gateway's back);
 *   <li>the gateway's own facts (its timestamp, the MD5 of an S3 multipart object, ...) are {@code
 *       archipelago-<fact>}.
 * </ul>
 */
public final class StoredMetadata {

  public static final String RESERVED = "archipelago-";
  private static final String USER_ESCAPE = RESERVED + "u-";
  private static final String HEADER = RESERVED + "h-";
  private static final String OBJECT_META = "x-object-meta-";

  /** Headers both Swift and S3 store natively with an object. */
  public static final Set<String> NATIVE_HEADERS =
      Set.of("content-encoding", "content-disposition");

  /**
   * @param userMeta suffix to value, to be stored as the store's user metadata
   * @param nativeHeaders lower-case header name to value, to be sent as those headers
   */
  public record Encoded(Map<String, String> userMeta, Map<String, String> nativeHeaders) {}

  /**
   * @param metadata gateway metadata (see {@link ObjectInfo})
   * @param facts the gateway's own entries, by fact name (without the reserved prefix)
   */
  public record Decoded(Map<String, String> metadata, Map<String, String> facts) {}

  private StoredMetadata() {}

  /** The store form of gateway metadata plus the gateway's own facts. */
  public static Encoded encode(Map<String, String> metadata, Map<String, String> facts) {
    Map<String, String> user = new HashMap<>();
    Map<String, String> nativeHeaders = new HashMap<>();
    metadata.forEach(
        (key, value) -> {
          String name = key.toLowerCase(Locale.ROOT);
          if (name.startsWith(OBJECT_META)) {
            String suffix = name.substring(OBJECT_META.length());
            user.put(
                suffix.startsWith(RESERVED)
                    ? USER_ESCAPE + suffix.substring(RESERVED.length())
                    : suffix,
                value);
          } else if (NATIVE_HEADERS.contains(name)) {
            nativeHeaders.put(name, value);
          } else {
            user.put(HEADER + name, value);
          }
        });
    facts.forEach((fact, value) -> user.put(RESERVED + fact, value));
    return new Encoded(user, nativeHeaders);
  }

  /** The gateway metadata and facts of what a store returned. */
  public static Decoded decode(Map<String, String> userMeta, Map<String, String> nativeHeaders) {
    Map<String, String> metadata = new HashMap<>();
    Map<String, String> facts = new HashMap<>();
    userMeta.forEach(
        (key, value) -> {
          String suffix = key.toLowerCase(Locale.ROOT);
          if (suffix.startsWith(USER_ESCAPE)) {
            metadata.put(OBJECT_META + RESERVED + suffix.substring(USER_ESCAPE.length()), value);
          } else if (suffix.startsWith(HEADER)) {
            metadata.put(suffix.substring(HEADER.length()), value);
          } else if (suffix.startsWith(RESERVED)) {
            facts.put(suffix.substring(RESERVED.length()), value);
          } else {
            metadata.put(OBJECT_META + suffix, value);
          }
        });
    nativeHeaders.forEach((k, v) -> metadata.put(k.toLowerCase(Locale.ROOT), v));
    return new Decoded(metadata, facts);
  }
}
