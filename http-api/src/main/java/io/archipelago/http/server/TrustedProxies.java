package io.archipelago.http.server;

import akka.http.javadsl.model.HttpRequest;
import com.typesafe.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The TLS-terminating proxies in front of the gateway ({@code archipelago.http.trusted-proxies}):
 * only a request whose connection comes from one of them has its {@code X-Forwarded-For} and {@code
 * X-Forwarded-Proto} believed. Anyone else could claim any address or scheme with them.
 */
public final class TrustedProxies {

  /** An address block: the first {@code bits} bits of {@code network}. */
  private record Block(byte[] network, int bits) {

    boolean contains(InetAddress address) {
      byte[] bytes = address.getAddress();
      if (bytes.length != network.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((bytes[i / 8] & mask) != (network[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Block> blocks;

  private TrustedProxies(List<Block> blocks) {
    this.blocks = List.copyOf(blocks);
  }

  public static TrustedProxies none() {
    return new TrustedProxies(List.of());
  }

  /** From {@code archipelago.http.trusted-proxies}: IP addresses and CIDR blocks, no host names. */
  public static TrustedProxies fromConfig(Config config) {
    return of(config.getStringList("archipelago.http.trusted-proxies"));
  }

  static TrustedProxies of(List<String> entries) {
    List<Block> blocks = new ArrayList<>();
    for (String entry : entries) {
      String trimmed = entry.trim();
      int slash = trimmed.indexOf('/');
      String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
      byte[] network =
          literal(address)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "archipelago.http.trusted-proxies: "
                              + entry
                              + " is not an IP address or CIDR block"));
      int bits = network.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(trimmed.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > network.length * 8) {
          throw new IllegalArgumentException(
              "archipelago.http.trusted-proxies: " + entry + " has an invalid prefix length");
        }
      }
      blocks.add(new Block(network, bits));
    }
    return new TrustedProxies(blocks);
  }

  public boolean trusts(String peer) {
    return !blocks.isEmpty() && literal(peer).map(this::trusts).orElse(false);
  }

  private boolean trusts(byte[] address) {
    try {
      InetAddress parsed = InetAddress.getByAddress(address);
      return blocks.stream().anyMatch(b -> b.contains(parsed));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * The client's address: the connection's peer, or, when that is a trusted proxy, the last address
   * of {@code X-Forwarded-For} that is not a trusted proxy (earlier entries could be made up by the
   * client).
   */
  public String clientAddress(String peer, HttpRequest request) {
    if (!trusts(peer)) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    request
        .getHeaders()
        .forEach(
            h -> {
              if (h.is("x-forwarded-for")) {
                for (String hop : h.value().split(",")) {
                  hops.add(hop.trim());
                }
              }
            });
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = hops.get(i);
      if (literal(hop).isEmpty()) {
        return peer;
      }
      if (!trusts(hop)) {
        return hop;
      }
    }
    return peer;
  }

  /**
   * The request as the client made it: with the scheme of a trusted proxy's {@code
   * X-Forwarded-Proto} ({@code http} or {@code https}), else unchanged.
   */
  public HttpRequest forwarded(String peer, HttpRequest request) {
    if (!trusts(peer)) {
      return request;
    }
    Optional<String> proto =
        request
            .getHeader("X-Forwarded-Proto")
            .map(h -> h.value().split(",")[0].trim().toLowerCase(Locale.ROOT))
            .filter(p -> p.equals("http") || p.equals("https"));
    return proto.map(p -> request.withUri(request.getUri().scheme(p))).orElse(request);
  }

  /** The bytes of an IP literal; never a DNS lookup. */
  private static Optional<byte[]> literal(String text) {
    String s =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    boolean ipv4 =
        s.matches("\\d{1,3}(\\.\\d{1,3}){3}")
            && Arrays.stream(s.split("\\.")).allMatch(octet -> Integer.parseInt(octet) < 256);
    boolean ipv6 = s.contains(":") && s.matches("[0-9A-Fa-f:.]+");
    if (!ipv4 && !ipv6) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(s).getAddress());
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
