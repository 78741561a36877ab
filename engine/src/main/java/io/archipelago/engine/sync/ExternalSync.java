package io.archipelago.engine.sync;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.Http;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethods;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.settings.ConnectionPoolSettings;
import akka.stream.Materializer;
import io.archipelago.engine.backend.BackendRegistry;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.sync.SyncTargets.Target;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Swift's own container sync, towards a container of an external Swift cluster: a container whose
 * metadata has {@code X-Container-Sync-To: <url of the remote container>} and {@code
 * X-Container-Sync-Key: <key>} has each write and delete sent there as Swift's container-sync
 * daemon sends them: the object's bytes (streamed from the primary), its X-Timestamp, etag, content
 * type and metadata, authorized by {@code X-Container-Sync-Key} (the remote container must carry
 * the same key), newest timestamp winning on the remote side. Targets come only from {@link
 * SyncTargets} (configured realms and allowed hosts), which is asked again before every send and
 * once more for each connection's resolved address.
 */
final class ExternalSync {

  static final String SYNC_TO = ContainerEntity.SYNC_TO_METADATA;
  static final String SYNC_KEY = "x-container-sync-key";

  private final ActorSystem<?> system;
  private final BackendRegistry registry;
  private final Retrying retrying;
  private final Materializer materializer;

  private final SyncTargets targets;
  private final ConnectionPoolSettings connections;

  ExternalSync(
      ActorSystem<?> system, BackendRegistry registry, Retrying retrying, SyncTargets targets) {
    this.system = system;
    this.targets = targets;
    this.connections = targets.connectionSettings(system);
    this.registry = registry;
    this.retrying = retrying;
    this.materializer = Materializer.matFromSystem(system);
  }

  /** Sends the primary's current version of the object, or a delete when it has none. */
  CompletionStage<ObjectSync.Action> write(
      String primary, BackendContainer where, String name, Target target) {
    return retrying.attempt(
        primary,
        "sync " + where + "/" + name + " to " + target.url(),
        () ->
            registry
                .store(primary)
                .orElseThrow()
                .get(where, name, Optional.empty())
                .thenCompose(
                    found -> {
                      if (found.isEmpty()) {
                        return CompletableFuture.completedFuture(ObjectSync.Action.NOTHING);
                      }
                      ObjectInfo info = found.get().info();
                      HttpRequest put =
                          HttpRequest.create(target.url() + "/" + encode(name))
                              .withMethod(HttpMethods.PUT)
                              .addHeaders(headers(target, "PUT", name, info.timestamp(), info))
                              .withEntity(
                                  HttpEntities.create(
                                      contentType(info), info.size(), found.get().data()));
                      return send(put, target).thenApply(ok -> ObjectSync.Action.COPIED);
                    }));
  }

  CompletionStage<ObjectSync.Action> delete(
      BackendContainer where, String name, SwiftTimestamp at, Target target) {
    return retrying.attempt(
        List.of(),
        "delete " + where + "/" + name + " at " + target.url(),
        () -> {
          HttpRequest delete =
              HttpRequest.create(target.url() + "/" + encode(name))
                  .withMethod(HttpMethods.DELETE)
                  .addHeaders(headers(target, "DELETE", name, at, null));
          return send(delete, target).thenApply(ok -> ObjectSync.Action.DELETED);
        });
  }

  private CompletionStage<Boolean> send(HttpRequest request, Target target) {
    Http http = Http.get(system);
    return http.singleRequest(
            request, http.defaultClientHttpsContext(), connections, Adapter.toClassic(system).log())
        .thenApply(
            response -> {
              response.discardEntityBytes(materializer);
              int status = response.status().intValue();
              // 404 on delete: already gone; 409 or 202: the remote holds a newer version (it
              // wins).
              if (status / 100 == 2 || status == 404 || status == 409) {
                return true;
              }
              String detail = request.method().value() + " " + target.url() + " answered " + status;
              if (status >= 500) {
                throw new ObjectStoreException.BackendUnavailable("external", detail, null);
              }
              throw new CompletionException(new ObjectStoreException.InvalidRequest(detail));
            });
  }

  /** The container's target checked against the current config; empty when it syncs nowhere. */
  Optional<SyncTargets.Resolution> target(Map<String, String> metadata) {
    return targets.resolveMetadata(metadata);
  }

  private static List<HttpHeader> headers(
      Target target, String method, String name, SwiftTimestamp ts, ObjectInfo info) {
    List<HttpHeader> h = new ArrayList<>();
    h.add(RawHeader.create("X-Timestamp", ts.internal()));
    if (target.realm().isEmpty()) {
      h.add(RawHeader.create("X-Container-Sync-Key", target.key()));
    } else {
      String nonce = UUID.randomUUID().toString().replace("-", "");
      String path = URI.create(target.url()).getRawPath() + "/" + encode(name);
      h.add(
          RawHeader.create(
              "X-Container-Sync-Auth",
              target.realm()
                  + " "
                  + nonce
                  + " "
                  + sign(target.realmKey(), method, path, ts.internal(), nonce, target.key())));
    }
    if (info != null) {
      h.add(RawHeader.create("ETag", info.etag()));
      info.metadata()
          .forEach(
              (k, v) -> {
                if (k.startsWith("x-object-meta-")
                    || k.equals("content-encoding")
                    || k.equals("content-disposition")
                    || k.equals("x-static-large-object")
                    || k.equals("x-object-manifest")) {
                  h.add(RawHeader.create(k, v));
                }
              });
    }
    return h;
  }

  /** Swift's container-sync signature: HMAC-SHA1 of method, path, timestamp, nonce and user key. */
  static String sign(
      String realmKey, String method, String path, String timestamp, String nonce, String userKey) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(realmKey.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      String text = method + "\n" + path + "\n" + timestamp + "\n" + nonce + "\n" + userKey;
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ContentType contentType(ObjectInfo info) {
    try {
      return ContentTypes.parse(info.contentType());
    } catch (RuntimeException e) {
      return ContentTypes.APPLICATION_OCTET_STREAM;
    }
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
  }
}
