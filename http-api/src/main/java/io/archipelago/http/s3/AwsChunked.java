package io.archipelago.http.s3;

import akka.NotUsed;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * Decodes an {@code aws-chunked} body ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]}, {@code
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER}) as it streams: each chunk's data passes on as it arrives,
 * its signature (chained from the seed signature) is checked when the chunk ends, a trailing
 * checksum ({@code x-amz-checksum-crc32|crc32c|sha1|sha256}) is compared with the decoded bytes,
 * and a body that ends before its final chunk fails. Only a chunk header or a trailer line is ever
 * held, never a chunk.
 *
 * <p>One instance decodes one body; {@link #failure()} tells why the stream failed.
 */
public final class AwsChunked {

  /** How chunk signatures are computed; absent for the unsigned variant. */
  public record Signing(byte[] signingKey, String amzDate, String scope, String seedSignature) {}

  private enum State {
    HEADER,
    DATA,
    DATA_END,
    TRAILER,
    DONE
  }

  private static final int MAX_LINE = 4096;

  private final Optional<Signing> signing;
  private final Optional<String> trailerName;
  private final long decodedLength;
  private final Optional<TrailingChecksum> checksum;
  private ByteString buffer = ByteString.emptyByteString();
  private State state = State.HEADER;
  private long chunkRemaining;
  private String chunkSignature;
  private String previousSignature;
  private MessageDigest chunkDigest;
  private long decoded;
  private final StringBuilder trailerLines = new StringBuilder();
  private String trailerValue;
  private volatile S3Exception failure;

  /**
   * @param trailerName the {@code x-amz-trailer} header: the checksum the trailer carries
   * @param decodedLength {@code x-amz-decoded-content-length}, or -1 when not sent
   */
  public AwsChunked(Optional<Signing> signing, Optional<String> trailerName, long decodedLength) {
    this.signing = signing;
    this.trailerName = trailerName.map(n -> n.strip().toLowerCase(Locale.ROOT));
    this.decodedLength = decodedLength;
    this.previousSignature = signing.map(Signing::seedSignature).orElse(null);
    this.checksum = this.trailerName.flatMap(TrailingChecksum::of);
    if (this.trailerName.isPresent() && checksum.isEmpty()) {
      throw new S3Exception(
          S3ErrorCode.INVALID_REQUEST,
          "The value specified in the x-amz-trailer header is not supported");
    }
  }

  /** The decoding flow over this instance. */
  public Flow<ByteString, ByteString, NotUsed> flow() {
    return Flow.<ByteString>create()
        .mapConcat(this::feed)
        .concatLazy(
            Source.lazySource(
                    () -> {
                      finish();
                      return Source.<ByteString>empty();
                    })
                .mapMaterializedValue(m -> NotUsed.getInstance()));
  }

  /** Why decoding failed, if it did. */
  public Optional<S3Exception> failure() {
    return Optional.ofNullable(failure);
  }

  /** Takes the next bytes of the body; answers the decoded data they complete. */
  public List<ByteString> feed(ByteString bytes) {
    buffer = buffer.concat(bytes);
    List<ByteString> out = new ArrayList<>();
    boolean progress = true;
    while (progress) {
      progress =
          switch (state) {
            case HEADER -> header();
            case DATA -> data(out);
            case DATA_END -> dataEnd();
            case TRAILER -> trailer();
            case DONE -> {
              if (!buffer.isEmpty()) {
                throw fail(
                    S3ErrorCode.INVALID_REQUEST,
                    "Data after the final chunk of an aws-chunked body");
              }
              yield false;
            }
          };
    }
    return out;
  }

  /** The body ended: it must have ended after its final chunk. */
  public void finish() {
    boolean endedWithoutTrailer =
        state == State.TRAILER
            && buffer.isEmpty()
            && trailerLines.length() == 0
            && trailerName.isEmpty();
    if (state != State.DONE && !endedWithoutTrailer) {
      throw fail(S3ErrorCode.INCOMPLETE_BODY, S3ErrorCode.INCOMPLETE_BODY.message());
    }
    if (decodedLength >= 0 && decoded != decodedLength) {
      throw fail(S3ErrorCode.INCOMPLETE_BODY, S3ErrorCode.INCOMPLETE_BODY.message());
    }
  }

  private boolean header() {
    Optional<String> line = line();
    if (line.isEmpty()) {
      return false;
    }
    String[] parts = line.get().split(";", 2);
    try {
      chunkRemaining = Long.parseLong(parts[0].strip(), 16);
    } catch (NumberFormatException e) {
      throw fail(S3ErrorCode.INVALID_REQUEST, "Malformed aws-chunked chunk header");
    }
    if (chunkRemaining < 0) {
      throw fail(S3ErrorCode.INVALID_REQUEST, "Malformed aws-chunked chunk header");
    }
    chunkSignature = null;
    if (parts.length == 2 && parts[1].strip().startsWith("chunk-signature=")) {
      chunkSignature = parts[1].strip().substring("chunk-signature=".length());
    }
    if (signing.isPresent() && chunkSignature == null) {
      throw fail(
          S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
          "A signed aws-chunked body has a chunk without signature");
    }
    chunkDigest = signing.isPresent() ? SigV4.sha256() : null;
    if (chunkRemaining == 0) {
      verifyChunk();
      state = State.TRAILER;
    } else {
      state = State.DATA;
    }
    return true;
  }

  private boolean data(List<ByteString> out) {
    if (buffer.isEmpty()) {
      return false;
    }
    int take = (int) Math.min(chunkRemaining, buffer.size());
    ByteString piece = buffer.take(take);
    buffer = buffer.drop(take);
    chunkRemaining -= take;
    decoded += take;
    if (chunkDigest != null) {
      chunkDigest.update(piece.toArrayUnsafe());
    }
    checksum.ifPresent(c -> c.update(piece.toArrayUnsafe()));
    out.add(piece);
    if (chunkRemaining == 0) {
      state = State.DATA_END;
    }
    return true;
  }

  private boolean dataEnd() {
    if (buffer.size() < 2) {
      return false;
    }
    if (buffer.apply(0) != '\r' || buffer.apply(1) != '\n') {
      throw fail(
          S3ErrorCode.INVALID_REQUEST, "An aws-chunked chunk is longer than its header says");
    }
    buffer = buffer.drop(2);
    verifyChunk();
    state = State.HEADER;
    return true;
  }

  private boolean trailer() {
    Optional<String> line = line();
    if (line.isEmpty()) {
      return false;
    }
    if (line.get().isEmpty()) {
      verifyTrailer();
      state = State.DONE;
      return true;
    }
    String text = line.get();
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw fail(S3ErrorCode.INVALID_REQUEST, "Malformed aws-chunked trailer");
    }
    String name = text.substring(0, colon).strip().toLowerCase(Locale.ROOT);
    String value = text.substring(colon + 1).strip();
    if (name.equals("x-amz-trailer-signature")) {
      if (signing.isPresent()) {
        String toSign =
            "AWS4-HMAC-SHA256-TRAILER\n"
                + signing.get().amzDate()
                + "\n"
                + signing.get().scope()
                + "\n"
                + previousSignature
                + "\n"
                + SigV4.sha256Hex(trailerLines.toString().getBytes(StandardCharsets.UTF_8));
        if (!SigV4.same(SigV4.signature(signing.get().signingKey(), toSign), value)) {
          throw fail(
              S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, S3ErrorCode.SIGNATURE_DOES_NOT_MATCH.message());
        }
      }
    } else {
      trailerLines.append(name).append(':').append(value).append('\n');
      if (trailerName.isPresent() && name.equals(trailerName.get())) {
        trailerValue = value;
      }
    }
    return true;
  }

  private void verifyTrailer() {
    if (checksum.isEmpty()) {
      return;
    }
    if (trailerValue == null) {
      throw fail(
          S3ErrorCode.INCOMPLETE_BODY,
          "The aws-chunked body lacks its " + trailerName.get() + " trailer");
    }
    if (!checksum.get().base64().equals(trailerValue)) {
      throw fail(
          S3ErrorCode.BAD_DIGEST,
          "The " + trailerName.get() + " you specified did not match the calculated checksum.");
    }
  }

  private void verifyChunk() {
    if (signing.isEmpty()) {
      return;
    }
    Signing s = signing.get();
    String toSign =
        "AWS4-HMAC-SHA256-PAYLOAD\n"
            + s.amzDate()
            + "\n"
            + s.scope()
            + "\n"
            + previousSignature
            + "\n"
            + SigV4.EMPTY_SHA256
            + "\n"
            + SigV4.hex(chunkDigest.digest());
    String expected = SigV4.signature(s.signingKey(), toSign);
    if (!SigV4.same(expected, chunkSignature)) {
      throw fail(
          S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, S3ErrorCode.SIGNATURE_DOES_NOT_MATCH.message());
    }
    previousSignature = expected;
  }

  /** A CRLF-terminated line taken from the buffer, if it is complete. */
  private Optional<String> line() {
    int end = buffer.indexOf((byte) '\n');
    if (end < 0) {
      if (buffer.size() > MAX_LINE) {
        throw fail(S3ErrorCode.INVALID_REQUEST, "An aws-chunked chunk header is too long");
      }
      return Optional.empty();
    }
    if (end == 0 || buffer.apply(end - 1) != '\r' || end > MAX_LINE) {
      throw fail(S3ErrorCode.INVALID_REQUEST, "Malformed aws-chunked chunk header");
    }
    String text = buffer.take(end - 1).utf8String();
    buffer = buffer.drop(end + 1);
    return Optional.of(text);
  }

  private S3Exception fail(S3ErrorCode code, String message) {
    S3Exception e = new S3Exception(code, message);
    failure = e;
    return e;
  }

  /** A checksum an aws-chunked trailer may carry, computed over the decoded bytes. */
  private interface TrailingChecksum {
    void update(byte[] bytes);

    String base64();

    static Optional<TrailingChecksum> of(String header) {
      return switch (header) {
        case "x-amz-checksum-crc32" -> Optional.of(crc(new CRC32()));
        case "x-amz-checksum-crc32c" -> Optional.of(crc(new CRC32C()));
        case "x-amz-checksum-sha1" -> Optional.of(digest("SHA-1"));
        case "x-amz-checksum-sha256" -> Optional.of(digest("SHA-256"));
        default -> Optional.empty();
      };
    }

    private static TrailingChecksum crc(Checksum crc) {
      return new TrailingChecksum() {
        @Override
        public void update(byte[] bytes) {
          crc.update(bytes, 0, bytes.length);
        }

        @Override
        public String base64() {
          long v = crc.getValue();
          byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
          return Base64.getEncoder().encodeToString(b);
        }
      };
    }

    private static TrailingChecksum digest(String algorithm) {
      MessageDigest md;
      try {
        md = MessageDigest.getInstance(algorithm);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      return new TrailingChecksum() {
        @Override
        public void update(byte[] bytes) {
          md.update(bytes);
        }

        @Override
        public String base64() {
          return Base64.getEncoder().encodeToString(md.digest());
        }
      };
    }
  }
}
