package io.archipelago.http.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The aws-chunked decoder against AWS's streaming example ("Signature Calculations for the
 * Authorization Header: Transferring Payload in Multiple Chunks"): 66560 bytes of 'a' in a
 * 65536-byte chunk, a 1024-byte chunk and the final chunk, with AWS's chunk signatures.
 */
class AwsChunkedTest {

  static ActorTestKit testKit;

  static final String SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  static final String[] SIGNATURES = {
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
  };

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static AwsChunked.Signing signing() {
    return new AwsChunked.Signing(
        SigV4.signingKey(SigV4Test.SECRET, SigV4Test.CREDENTIAL),
        SigV4Test.AMZ_DATE,
        SigV4Test.CREDENTIAL.scope(),
        SEED);
  }

  private static byte[] body(String[] signatures) {
    byte[] a = new byte[65536];
    Arrays.fill(a, (byte) 'a');
    ByteString body =
        ByteString.fromString("10000;chunk-signature=" + signatures[0] + "\r\n")
            .concat(ByteString.fromArray(a))
            .concat(ByteString.fromString("\r\n"))
            .concat(ByteString.fromString("400;chunk-signature=" + signatures[1] + "\r\n"))
            .concat(ByteString.fromArray(a, 0, 1024))
            .concat(ByteString.fromString("\r\n"))
            .concat(ByteString.fromString("0;chunk-signature=" + signatures[2] + "\r\n\r\n"));
    return body.toArray();
  }

  /** The body fed in pieces of {@code piece} bytes (so headers and CRLFs split anywhere). */
  private static ByteString decode(AwsChunked decoder, byte[] body, int piece) throws Exception {
    List<ByteString> pieces = new ArrayList<>();
    for (int i = 0; i < body.length; i += piece) {
      pieces.add(ByteString.fromArray(body, i, Math.min(piece, body.length - i)));
    }
    return Source.from(pieces)
        .via(decoder.flow())
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), testKit.system())
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void decodesTheAwsExampleWithItsChunkSignatures() throws Exception {
    for (int piece : new int[] {1, 7, 8192, 1 << 20}) {
      ByteString decoded =
          decode(
              new AwsChunked(Optional.of(signing()), Optional.empty(), 66560),
              body(SIGNATURES),
              piece);
      assertEquals(66560, decoded.size());
      byte[] expected = new byte[66560];
      Arrays.fill(expected, (byte) 'a');
      assertArrayEquals(expected, decoded.toArray());
    }
  }

  @Test
  void aBadChunkSignatureFailsTheStream() {
    String[] bad = SIGNATURES.clone();
    bad[1] = "1" + bad[1].substring(1);
    AwsChunked decoder = new AwsChunked(Optional.of(signing()), Optional.empty(), 66560);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> decode(decoder, body(bad), 4096));
    assertEquals(
        S3ErrorCode.SIGNATURE_DOES_NOT_MATCH,
        assertInstanceOf(S3Exception.class, e.getCause()).code());
    assertEquals(S3ErrorCode.SIGNATURE_DOES_NOT_MATCH, decoder.failure().orElseThrow().code());
  }

  @Test
  void aTruncatedBodyFailsTheStream() {
    byte[] whole = body(SIGNATURES);
    for (int cut : new int[] {10, 60000, 65600, whole.length - 3}) {
      AwsChunked decoder = new AwsChunked(Optional.of(signing()), Optional.empty(), 66560);
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> decode(decoder, Arrays.copyOf(whole, cut), 4096));
      assertEquals(
          S3ErrorCode.INCOMPLETE_BODY,
          assertInstanceOf(S3Exception.class, e.getCause()).code(),
          "cut at " + cut + ": " + e.getCause().getMessage());
    }
  }

  private static byte[] unsignedWithTrailer(String data, String trailer) {
    return (Integer.toHexString(data.length()) + "\r\n" + data + "\r\n0\r\n" + trailer + "\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static String crc32(String data) {
    CRC32 crc = new CRC32();
    crc.update(data.getBytes(StandardCharsets.UTF_8));
    long v = crc.getValue();
    return Base64.getEncoder()
        .encodeToString(
            new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
  }

  @Test
  void unsignedChunksWithATrailingChecksumAreCheckedAgainstIt() throws Exception {
    String data = "hello trailing checksum";
    ByteString decoded =
        decode(
            new AwsChunked(Optional.empty(), Optional.of("x-amz-checksum-crc32"), data.length()),
            unsignedWithTrailer(data, "x-amz-checksum-crc32:" + crc32(data)),
            5);
    assertEquals(data, decoded.utf8String());
    AwsChunked decoder =
        new AwsChunked(Optional.empty(), Optional.of("x-amz-checksum-crc32"), data.length());
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                decode(
                    decoder,
                    unsignedWithTrailer(data, "x-amz-checksum-crc32:" + crc32("other")),
                    5));
    assertEquals(S3ErrorCode.BAD_DIGEST, assertInstanceOf(S3Exception.class, e.getCause()).code());
  }
}
