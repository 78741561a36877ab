package io.archipelago.http.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends arbitrary bytes to a server over a fresh socket and tells what came back within a bound:
 * the status codes of the responses, whether the server closed, or that it did neither (a hang).
 */
public final class RawExchange {

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3})");

  /** What the server did with one request's bytes. */
  public record Outcome(List<Integer> statuses, boolean closed, boolean hung, String head) {

    public boolean answered() {
      return !statuses.isEmpty();
    }

    /** Statuses of 500 and above. */
    public List<Integer> serverErrors() {
      return statuses.stream().filter(s -> s >= 500).toList();
    }

    @Override
    public String toString() {
      return (hung ? "HUNG " : "") + (closed ? "closed " : "") + statuses + " " + head;
    }
  }

  private RawExchange() {}

  /**
   * Writes {@code request}; when {@code complete} is false (the bytes promise more than they hold),
   * shuts the socket's output down after {@code halfCloseAfter}, as a client that gives up would.
   * Then reads until the server closes or {@code bound} passes: an outcome with neither an answer
   * nor a close in time is a hang.
   */
  public static Outcome send(
      String baseUrl, byte[] request, boolean complete, Duration halfCloseAfter, Duration bound)
      throws IOException {
    URI uri = URI.create(baseUrl);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(50);
      try {
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
      } catch (IOException e) {
        // the server answered (or closed) before taking every byte: read what it said
      }
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      long start = System.nanoTime();
      long halfCloseAt = start + halfCloseAfter.toNanos();
      long deadline = start + bound.toNanos();
      boolean halfClosed = complete;
      boolean closed = false;
      byte[] buffer = new byte[8192];
      while (System.nanoTime() < deadline) {
        if (!halfClosed && System.nanoTime() > halfCloseAt && received.size() == 0) {
          try {
            socket.shutdownOutput();
          } catch (IOException e) {
            // already reset by the server
          }
          halfClosed = true;
        }
        try {
          int n = in.read(buffer);
          if (n < 0) {
            closed = true;
            break;
          }
          received.write(buffer, 0, n);
        } catch (SocketTimeoutException e) {
          // keep waiting within the bound
        } catch (IOException e) {
          closed = true; // reset
          break;
        }
      }
      String text = received.toString(StandardCharsets.ISO_8859_1);
      // every request of these exchanges asks Connection: close, so one response at most
      List<Integer> statuses = new ArrayList<>();
      Matcher m = STATUS_LINE.matcher(text);
      if (m.lookingAt()) {
        statuses.add(Integer.parseInt(m.group(1)));
      }
      boolean hung = !closed && statuses.isEmpty();
      int headEnd = text.indexOf("\r\n\r\n");
      String head = text.substring(0, headEnd < 0 ? Math.min(200, text.length()) : headEnd);
      return new Outcome(statuses, closed, hung, head.replace("\r\n", " | "));
    }
  }
}
