package io.archipelago.http.protocol;

import akka.http.javadsl.model.AttributeKey;
import akka.http.javadsl.model.HttpRequest;
import io.archipelago.engine.container.ContainerState;
import io.archipelago.engine.ops.ContainerOps;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Swift's {@code swift.infocache}: the container states one client request reads, asked once per
 * request however many stages look at them (authorization, object versioning, the etag quoter, the
 * read itself). It lives as long as the request: a later request asks again, so nothing here can be
 * staler than what its own first read saw.
 *
 * <p>Reads ({@link #read}) may be answered by the route view while the entity is unreachable. An
 * object PUT's stages (object versioning, container quotas, the write itself) share the entity's
 * own answer instead ({@link #forWrite}): asked once, never from the view. Each ask of a busy
 * container waits behind the journal write the entity has in flight, so three asks per PUT cost
 * three such waits.
 */
public final class InfoCache {

  private static final AttributeKey<InfoCache> KEY =
      AttributeKey.create("archipelago-infocache", InfoCache.class);

  private final Map<String, CompletionStage<ContainerState>> containers = new ConcurrentHashMap<>();

  /** The entity's own answers ({@link ContainerOps#get}), apart from the reads' (view allowed). */
  private final Map<String, CompletionStage<ContainerState>> forWrites = new ConcurrentHashMap<>();

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

  /**
   * The container's state as its entity answers it ({@link ContainerOps#get}), for the stages of an
   * object PUT: asked once per request and container; a request without a cache asks every time.
   */
  public static CompletionStage<ContainerState> forWrite(
      ContainerOps containers, HttpRequest request, String account, String container) {
    return forWrite(request, account, container, () -> containers.get(account, container));
  }

  /** The state {@code ask} answers, asked at most once per request and container. */
  static CompletionStage<ContainerState> read(
      HttpRequest request,
      String account,
      String container,
      Supplier<CompletionStage<ContainerState>> ask) {
    return request
        .getAttribute(KEY)
        .map(
            cache -> cache.containers.computeIfAbsent(account + '\0' + container, key -> ask.get()))
        .orElseGet(ask);
  }

  /** {@link #forWrite}'s memo: the entity's answer, kept apart from the reads'. */
  static CompletionStage<ContainerState> forWrite(
      HttpRequest request,
      String account,
      String container,
      Supplier<CompletionStage<ContainerState>> ask) {
    return request
        .getAttribute(KEY)
        .map(cache -> cache.forWrites.computeIfAbsent(account + '\0' + container, key -> ask.get()))
        .orElseGet(ask);
  }
}
