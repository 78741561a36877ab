package io.archipelago.http.sync;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the remote Swift cluster of container sync: it records every request (method, raw
 * path, headers, body) and answers 201. Enough to see what the gateway sends, and where.
 */
final class RemoteSwiftStub implements AutoCloseable {

  /** One request as received; header names in lower case. */
  record Received(String method, String path, Map<String, String> headers, byte[] body) {}

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();

  RemoteSwiftStub() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          Map<String, String> headers = new TreeMap<>();
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
          byte[] body = exchange.getRequestBody().readAllBytes();
          received.add(
              new Received(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getRawPath(),
                  headers,
                  body));
          exchange.sendResponseHeaders(201, -1);
          exchange.close();
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** The cluster's storage endpoint, as a realm's cluster or an allowed host names it. */
  String endpoint() {
    return "http://127.0.0.1:" + port() + "/v1/";
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  /** The requests received for one path. */
  List<Received> at(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
