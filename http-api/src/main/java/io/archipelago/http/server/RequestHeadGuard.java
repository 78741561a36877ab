package io.archipelago.http.server;

import akka.stream.Attributes;
import akka.stream.FlowShape;
import akka.stream.Inlet;
import akka.stream.Outlet;
import akka.stream.stage.AbstractInHandler;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.GraphStage;
import akka.stream.stage.GraphStageLogic;
import akka.stream.stage.TimerGraphStageLogic;
import akka.util.ByteString;
import akka.util.ByteStringBuilder;
import io.archipelago.http.protocol.ClientHead;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The bytes a client sends, on their way to Akka HTTP's request parser, framed just enough to know
 * where each request head starts and ends (Content-Length and chunked bodies are skipped; body
 * bytes pass as the slices they came in, never copied). What happens to a head:
 *
 * <ul>
 *   <li>It must be complete within {@code headTimeout} of its first byte, or the connection is cut:
 *       a client trickling its headers (slowloris) holds nothing for long. Bodies are bounded by
 *       the idle timeout alone, so slow uploads still stream.
 *   <li>Bytes of the request target that Swift's server takes as they are but Akka's parser refuses
 *       (raw UTF-8 or other bytes from 0x7f up, controls but space, {@code "#<>[\]^`{|}}, a '%' not
 *       starting an escape) are percent-encoded: the gateway decodes the name Swift would.
 *   <li>Akka lower-cases Host and refuses some values Swift takes (boto 2's SigV4 sends {@code
 *       host:port:port}): the value as sent goes along in {@link ClientHead#RAW_HOST}, and a
 *       refused one is replaced by its host and first port, percent-encoded where needed.
 *   <li>A PUT with neither Content-Length nor Transfer-Encoding is marked {@link
 *       ClientHead#LENGTH_MISSING} (Akka reads it as an empty body; Swift answers 411).
 *   <li>Client headers under {@link ClientHead#INTERNAL_PREFIX} are dropped.
 *   <li>A NUL byte of a header line becomes 0x01, a control character Akka's parser refuses with
 *       400; a byte that is not part of a well-formed UTF-8 sequence becomes U+FFFD (Swift takes
 *       such values as bytes: object metadata cut in the middle of a character is stored, and
 *       {@code Constraints} counts each U+FFFD as the one byte it stands for). Left as they were,
 *       Akka's header parser takes a NUL, or the CR after a cut UTF-8 lead byte, as a need for more
 *       input and waits for bytes the client never sends: the connection hangs until the idle
 *       timeout.
 * </ul>
 *
 * A head longer than {@code maxHeadBytes}, or framing it cannot follow (several or unreadable
 * lengths, a bad chunk line), ends the inspection for the rest of the connection: the bytes pass
 * unchanged and Akka refuses them (and closes) as before.
 */
public final class RequestHeadGuard extends GraphStage<FlowShape<ByteString, ByteString>> {

  private static final byte REFUSED = 0x01;

  /** U+FFFD in UTF-8: what a byte outside well-formed UTF-8 in a header line becomes. */
  private static final byte[] REPLACEMENT = {(byte) 0xef, (byte) 0xbf, (byte) 0xbd};

  private final Duration headTimeout;
  private final int maxHeadBytes;
  private final Inlet<ByteString> in = Inlet.create("RequestHeadGuard.in");
  private final Outlet<ByteString> out = Outlet.create("RequestHeadGuard.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  public RequestHeadGuard(Duration headTimeout, int maxHeadBytes) {
    this.headTimeout = headTimeout;
    this.maxHeadBytes = maxHeadBytes;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  private enum State {
    HEAD,
    FIXED_BODY,
    CHUNK_LINE,
    CHUNK_DATA,
    CHUNK_DATA_END,
    TRAILERS,
    OPAQUE
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new TimerGraphStageLogic(shape) {
      private State state = State.HEAD;
      private ByteStringBuilder head = new ByteStringBuilder();
      private ByteStringBuilder line = new ByteStringBuilder();
      private long remaining;

      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                ByteString passed = take(grab(in));
                if (passed.isEmpty()) {
                  pull(in);
                } else {
                  push(out, passed);
                }
              }

              @Override
              public void onUpstreamFinish() {
                if (head.length() > 0) {
                  // a cut head goes to the parser as it is: it answers or closes
                  emit(out, head.result());
                }
                completeStage();
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                pull(in);
              }
            });
      }

      @Override
      public void onTimer(Object key) {
        failStage(
            new IllegalStateException(
                "request head not complete within " + headTimeout + ": connection cut"));
      }

      /** The bytes that may go on now; a head is held back until it is complete. */
      private ByteString take(ByteString bytes) {
        ByteStringBuilder passed = new ByteStringBuilder();
        int i = 0;
        while (i < bytes.size()) {
          switch (state) {
            case OPAQUE -> {
              passed.append(bytes.drop(i));
              i = bytes.size();
            }
            case HEAD -> {
              if (head.length() == 0) {
                scheduleOnce("head", headTimeout);
              }
              int end = headEnd(bytes, i);
              int upTo = end < 0 ? bytes.size() : end;
              head.append(bytes.slice(i, upTo));
              i = upTo;
              if (end >= 0) {
                cancelTimer("head");
                ByteString complete = head.result();
                head = new ByteStringBuilder();
                passed.append(checked(rewritten(complete)));
                long body = bodyAfter(complete);
                if (body == NO_BODY) {
                  state = State.HEAD;
                } else if (body == CHUNKED) {
                  state = State.CHUNK_LINE;
                } else if (body == UNFOLLOWABLE) {
                  state = State.OPAQUE;
                } else {
                  remaining = body;
                  state = State.FIXED_BODY;
                }
              } else if (head.length() > maxHeadBytes) {
                cancelTimer("head");
                passed.append(head.result());
                head = new ByteStringBuilder();
                state = State.OPAQUE;
              }
            }
            case FIXED_BODY, CHUNK_DATA -> {
              int n = (int) Math.min(remaining, bytes.size() - i);
              passed.append(bytes.slice(i, i + n));
              i += n;
              remaining -= n;
              if (remaining == 0) {
                state = state == State.FIXED_BODY ? State.HEAD : State.CHUNK_DATA_END;
              }
            }
            case CHUNK_LINE, CHUNK_DATA_END, TRAILERS -> {
              byte b = bytes.apply(i++);
              passed.putByte(b);
              if (b != '\n') {
                line.putByte(b);
                if (line.length() > 4096) {
                  state = State.OPAQUE;
                }
                continue;
              }
              String text = line.result().decodeString(StandardCharsets.ISO_8859_1).trim();
              line = new ByteStringBuilder();
              state = afterLine(text);
            }
          }
        }
        return passed.result();
      }

      /** The next state after one line of chunked framing. */
      private State afterLine(String text) {
        switch (state) {
          case CHUNK_DATA_END:
            return text.isEmpty() ? State.CHUNK_LINE : State.OPAQUE;
          case TRAILERS:
            return text.isEmpty() ? State.HEAD : State.TRAILERS;
          default:
            int semicolon = text.indexOf(';');
            String size = (semicolon < 0 ? text : text.substring(0, semicolon)).trim();
            if (size.isEmpty() || size.length() > 15 || !size.matches("[0-9a-fA-F]+")) {
              return State.OPAQUE;
            }
            remaining = Long.parseLong(size, 16);
            return remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
        }
      }

      /** Index just past the blank line ending a head ({@code \n\n} or {@code \n\r\n}), or -1. */
      private int headEnd(ByteString bytes, int from) {
        // the end may straddle what was held back already
        int lookBack = Math.min(2, head.length());
        ByteString held = lookBack == 0 ? ByteString.emptyByteString() : tail(lookBack);
        ByteString window = held.concat(bytes.drop(from));
        for (int j = 0; j < window.size(); j++) {
          if (window.apply(j) != '\n') {
            continue;
          }
          if (j + 1 < window.size() && window.apply(j + 1) == '\n') {
            return from + j + 2 - lookBack;
          }
          if (j + 2 < window.size() && window.apply(j + 1) == '\r' && window.apply(j + 2) == '\n') {
            return from + j + 3 - lookBack;
          }
        }
        return -1;
      }

      private ByteString tail(int n) {
        ByteString all = head.result();
        head = new ByteStringBuilder().append(all);
        return all.drop(all.size() - n);
      }
    };
  }

  private static final long NO_BODY = 0;
  private static final long CHUNKED = -1;
  private static final long UNFOLLOWABLE = -2;

  /** The length of the body after a head, or {@link #CHUNKED}, or {@link #UNFOLLOWABLE}. */
  private static long bodyAfter(ByteString head) {
    String[] lines = head.decodeString(StandardCharsets.ISO_8859_1).split("\r?\n");
    String length = null;
    boolean chunked = false;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = lines[i].substring(colon + 1).trim();
      if (name.equals("transfer-encoding")) {
        if (chunked || !value.equalsIgnoreCase("chunked")) {
          return UNFOLLOWABLE;
        }
        chunked = true;
      } else if (name.equals("content-length")) {
        if (length != null) {
          return UNFOLLOWABLE;
        }
        length = value;
      } else if (name.equals("upgrade")) {
        return UNFOLLOWABLE;
      }
    }
    if (chunked) {
      return length == null ? CHUNKED : UNFOLLOWABLE;
    }
    if (length == null) {
      return NO_BODY;
    }
    if (length.isEmpty() || length.length() > 18 || !length.matches("[0-9]+")) {
      return UNFOLLOWABLE;
    }
    return Long.parseLong(length);
  }

  /** Host name characters besides ASCII letters and digits. */
  private static final String HOST_NAME_CHARS = "._~!$&'()*+,;=-";

  /** Bytes of an origin-form target that Akka refuses but Swift takes as they are (besides %). */
  private static final String ENCODED_IN_TARGET = "\"#<>[\\]^`{|}";

  private static final byte[] RAW_HOST_LINE_START =
      (ClientHead.RAW_HOST + ": ").getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] LENGTH_MISSING_LINE_START =
      (ClientHead.LENGTH_MISSING + ": PUT").getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.ISO_8859_1);

  /**
   * The head as Akka's parser should get it: target bytes Akka refuses percent-encoded, the Host as
   * sent kept aside (and replaced when Akka refuses it), a PUT without length marked, client
   * headers under the internal prefix dropped. The same head when none of that applies.
   */
  static ByteString rewritten(ByteString head) {
    byte[] bytes = head.toArray();
    int requestLineEnd = indexOf(bytes, '\n', 0, bytes.length);
    if (requestLineEnd < 0) {
      return head;
    }
    boolean crlf = requestLineEnd > 0 && bytes[requestLineEnd - 1] == '\r';
    int requestLineContentEnd = crlf ? requestLineEnd - 1 : requestLineEnd;
    int firstSpace = indexOf(bytes, ' ', 0, requestLineContentEnd);
    int lastSpace = lastIndexOf(bytes, ' ', requestLineContentEnd);
    byte[] target = null;
    String method = "";
    if (firstSpace > 0) {
      method = new String(bytes, 0, firstSpace, StandardCharsets.ISO_8859_1);
      if (lastSpace > firstSpace + 1 && bytes[firstSpace + 1] == '/') {
        target = encodedTarget(bytes, firstSpace + 1, lastSpace);
      }
    }

    List<int[]> kept = new ArrayList<>();
    boolean dropped = false;
    boolean droppingContinuation = false;
    boolean framed = false;
    String host = null;
    int hostLine = -1;
    int at = requestLineEnd + 1;
    while (at < bytes.length) {
      int end = indexOf(bytes, '\n', at, bytes.length);
      int next = end < 0 ? bytes.length : end + 1;
      int contentEnd = end < 0 ? bytes.length : end > at && bytes[end - 1] == '\r' ? end - 1 : end;
      if (contentEnd == at) {
        break; // the blank line ending the head
      }
      if (bytes[at] == ' ' || bytes[at] == '\t') {
        // a folded continuation belongs to the line before it
        if (droppingContinuation) {
          dropped = true;
        } else {
          kept.add(new int[] {at, next});
        }
        at = next;
        continue;
      }
      int colon = indexOf(bytes, ':', at, contentEnd);
      String name =
          colon < 0
              ? ""
              : new String(bytes, at, colon - at, StandardCharsets.ISO_8859_1)
                  .trim()
                  .toLowerCase(Locale.ROOT);
      droppingContinuation = ClientHead.isInternal(name);
      if (droppingContinuation) {
        dropped = true;
        at = next;
        continue;
      }
      if (name.equals("host")) {
        host =
            new String(bytes, colon + 1, contentEnd - colon - 1, StandardCharsets.ISO_8859_1)
                .trim();
        hostLine = kept.size();
      } else if (name.equals("content-length") || name.equals("transfer-encoding")) {
        framed = true;
      }
      kept.add(new int[] {at, next});
      at = next;
    }

    boolean hostRefused = host != null && !acceptedByAkka(host);
    boolean hostKept = host != null && (hostRefused || hasUpperCase(host));
    boolean lengthMissing = method.equals("PUT") && !framed;
    if (target == null && !dropped && !hostKept && !lengthMissing) {
      return head;
    }
    byte[] lineEnd = crlf ? new byte[] {'\r', '\n'} : new byte[] {'\n'};
    ByteStringBuilder out = new ByteStringBuilder();
    if (target == null) {
      out.putBytes(bytes, 0, requestLineEnd + 1);
    } else {
      out.putBytes(bytes, 0, firstSpace + 1);
      out.putBytes(target);
      out.putBytes(bytes, lastSpace, requestLineEnd + 1 - lastSpace);
    }
    if (hostKept) {
      out.putBytes(RAW_HOST_LINE_START);
      out.putBytes(host.getBytes(StandardCharsets.ISO_8859_1));
      out.putBytes(lineEnd);
    }
    if (lengthMissing) {
      out.putBytes(LENGTH_MISSING_LINE_START);
      out.putBytes(lineEnd);
    }
    for (int i = 0; i < kept.size(); i++) {
      int[] line = kept.get(i);
      if (i == hostLine && hostRefused) {
        out.putBytes(("Host: " + acceptedHost(host)).getBytes(StandardCharsets.ISO_8859_1));
        out.putBytes(lineEnd);
      } else {
        out.putBytes(bytes, line[0], line[1] - line[0]);
      }
    }
    out.putBytes(bytes, at, bytes.length - at);
    return out.result();
  }

  /** The target with the bytes Akka refuses percent-encoded, or null when it has none. */
  private static byte[] encodedTarget(byte[] bytes, int from, int to) {
    ByteStringBuilder encoded = null;
    for (int i = from; i < to; i++) {
      int b = bytes[i] & 0xff;
      boolean refused =
          b >= 0x7f
              || b < 0x20
              || (b == '%' && !(i + 2 < to && isHex(bytes[i + 1]) && isHex(bytes[i + 2])))
              || ENCODED_IN_TARGET.indexOf(b) >= 0;
      if (refused && encoded == null) {
        encoded = new ByteStringBuilder();
        encoded.putBytes(bytes, from, i - from);
      }
      if (encoded == null) {
        continue;
      }
      if (refused) {
        encoded.putByte((byte) '%').putByte(HEX[b >> 4]).putByte(HEX[b & 0xf]);
      } else {
        encoded.putByte((byte) b);
      }
    }
    return encoded == null ? null : encoded.result().toArray();
  }

  /**
   * What Akka gets instead of a Host value it refuses: its host with the bytes a host name may not
   * hold percent-encoded, and its first port (boto 2's {@code host:port:port} keeps one port).
   */
  static String acceptedHost(String host) {
    int colon =
        host.startsWith("[")
            ? host.indexOf(':', Math.max(0, host.indexOf(']')))
            : host.indexOf(':');
    String name = colon < 0 ? host : host.substring(0, colon);
    int portEnd = colon < 0 ? colon : colon + 1;
    while (colon >= 0
        && portEnd < host.length()
        && portEnd - colon <= 5
        && isDigit(host.charAt(portEnd))) {
      portEnd++;
    }
    String port = colon < 0 ? "" : host.substring(colon, portEnd);
    if (acceptedByAkka(name + port)) {
      return name + port;
    }
    StringBuilder encoded = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.ISO_8859_1)) {
      int c = b & 0xff;
      if (HOST_NAME_CHARS.indexOf(c) >= 0 || isAsciiLetterOrDigit(c)) {
        encoded.append((char) c);
      } else {
        encoded.append('%').append((char) HEX[c >> 4]).append((char) HEX[c & 0xf]);
      }
    }
    return encoded + port;
  }

  /**
   * Whether Akka's parser takes a Host value: a name (or bracketed address), then an optional port.
   * A loop, not a regular expression: a long value must not recurse deep.
   */
  static boolean acceptedByAkka(String host) {
    int n = host.length();
    int i = 0;
    if (n > 0 && host.charAt(0) == '[') {
      int close = host.indexOf(']');
      if (close < 0) {
        return false;
      }
      for (int k = 1; k < close; k++) {
        char c = host.charAt(k);
        if (!(isHex(c) || c == ':' || c == '.')) {
          return false;
        }
      }
      i = close + 1;
    } else {
      while (i < n && host.charAt(i) != ':') {
        char c = host.charAt(i);
        if (c == '%') {
          if (i + 2 < n && isHex(host.charAt(i + 1)) && isHex(host.charAt(i + 2))) {
            i += 3;
            continue;
          }
          return false;
        }
        if (!(isAsciiLetterOrDigit(c) || HOST_NAME_CHARS.indexOf(c) >= 0)) {
          return false;
        }
        i++;
      }
    }
    if (i == n) {
      return true;
    }
    if (host.charAt(i) != ':' || n - i - 1 > 5) {
      return false;
    }
    for (int k = i + 1; k < n; k++) {
      if (!isDigit(host.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetterOrDigit(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean hasUpperCase(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return true;
      }
    }
    return false;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isHex(byte b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
  }

  private static int indexOf(byte[] bytes, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(byte[] bytes, char c, int to) {
    for (int i = to - 1; i >= 0; i--) {
      if (bytes[i] == c) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The head with every header-line byte that is NUL or outside well-formed UTF-8 replaced by 0x01.
   */
  static ByteString checked(ByteString head) {
    byte[] bytes = head.toArray();
    int i = 0;
    while (i < bytes.length && bytes[i] != '\n') {
      i++; // the request line is Akka's to refuse
    }
    ByteArrayOutputStream out = null;
    int copied = 0;
    boolean refused = false;
    while (i < bytes.length) {
      int b = bytes[i] & 0xff;
      if (b == 0) {
        bytes[i++] = REFUSED;
        refused = true;
        continue;
      }
      if (b < 0x80) {
        i++;
        continue;
      }
      int length = utf8SequenceLength(bytes, i);
      if (length == 0) {
        if (out == null) {
          out = new ByteArrayOutputStream(bytes.length + 16);
        }
        out.write(bytes, copied, i - copied);
        out.write(REPLACEMENT, 0, REPLACEMENT.length);
        copied = ++i;
      } else {
        i += length;
      }
    }
    if (out == null) {
      return refused ? ByteString.fromArray(bytes) : head;
    }
    out.write(bytes, copied, bytes.length - copied);
    return ByteString.fromArray(out.toByteArray());
  }

  /** The length of the well-formed UTF-8 sequence at {@code at}, or 0. */
  private static int utf8SequenceLength(byte[] bytes, int at) {
    int lead = bytes[at] & 0xff;
    int length;
    int min;
    int max;
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
      min = 0x80;
      max = 0xbf;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      min = lead == 0xe0 ? 0xa0 : 0x80;
      max = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      min = lead == 0xf0 ? 0x90 : 0x80;
      max = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
      return 0;
    }
    if (at + length > bytes.length) {
      return 0;
    }
    for (int k = 1; k < length; k++) {
      int c = bytes[at + k] & 0xff;
      int low = k == 1 ? min : 0x80;
      int high = k == 1 ? max : 0xbf;
      if (c < low || c > high) {
        return 0;
      }
    }
    return length;
  }
}
