package io.archipelago.http.protocol;

import akka.http.javadsl.model.AttributeKey;
import akka.http.javadsl.model.HttpRequest;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Swift's {@code swift.infocache}: the container states one client request reads, asked once per
 * request however many stages look at them (authorization, object versioning, the etag quoter, the
 * read itself). It lives as long as the request: a later request asks again, so nothing here can be
 * staler than what its own first read saw. Only reads use it; writes ask the entity.
 */
public final class InfoCache {

  private static final AttributeKey<InfoCache> KEY =
      AttributeKey.create("archipelago-infocache", InfoCache.class);

  private final Map<String, CompletionStage<ContainerState>> containers = new ConcurrentHashMap<>();

  private InfoCache() {}

  /** The request with an empty cache of its own. */
  public static HttpRequest attach(HttpRequest request) {
    return request.addAttribute(KEY, new InfoCache());
  }

  /**
   * The container's state for a read ({@link ContainerOps#read}), asked once per request; a request
   * without a cache (a sub-request built elsewhere) asks every time.
   */
  public static CompletionStage<ContainerState> read(
      ContainerOps containers, HttpRequest request, String account, String container) {
    return read(request, account, container, () -> containers.read(account, container));
  }

  /** The state {@code ask} answers, asked at most once per request and container. */
  static CompletionStage<ContainerState> read(
      HttpRequest request,
      String account,
      String container,
      Supplier<CompletionStage<ContainerState>> ask) {
    Optional<InfoCache> cache = request.getAttribute(KEY);
    if (cache.isEmpty()) {
      return ask.get();
    }
    return cache.get().containers.computeIfAbsent(account + '\0' + container, key -> ask.get());
  }
}
