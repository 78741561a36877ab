package io.archipelago.http.s3;

import akka.actor.typed.ActorSystem;
import akka.stream.Materializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.archipelago.engine.ArchipelagoEngine;
import io.archipelago.http.auth.AuthController;
import io.archipelago.http.auth.S3AccessKeys;
import io.archipelago.http.auth.TokenCodec;
import io.archipelago.http.protocol.MultipartEtag;
import io.archipelago.http.server.GatewayRoutes;
import io.archipelago.http.server.HttpServer;
import io.archipelago.http.server.ServerTls;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The S3 listener ({@code archipelago.s3}): its own port, with the same graceful stop and HEAD
 * lengths as the Swift one, over a Swift pipeline of its own that the S3 handlers call.
 */
public final class S3Server {

  private S3Server() {}

  /** Binds the S3 port when enabled; prints the endpoint (and the demo keys when asked). */
  public static CompletionStage<Optional<HttpServer.Binding>> start(
      ActorSystem<?> system,
      ArchipelagoEngine engine,
      AuthController auth,
      TokenCodec tokens,
      long maxObjectSize) {
    Config config = system.settings().config();
    if (!config.getBoolean("archipelago.s3.enabled")) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    S3AccessKeys keys = S3AccessKeys.fromConfig(config);
    S3Authenticator authenticator = new S3Authenticator(keys);
    Materializer materializer = Materializer.matFromSystem(system);
    Optional<ServerTls> tls = ServerTls.s3(config);
    return HttpServer.bind(
            system,
            config.getString("archipelago.s3.host"),
            config.getInt("archipelago.s3.port"),
            headLength -> {
              GatewayRoutes swift = new GatewayRoutes(engine, auth, maxObjectSize, headLength);
              SwiftBridge bridge = new SwiftBridge(swift::handle, tokens, materializer);
              return new S3Routes(
                      authenticator,
                      bridge,
                      headLength,
                      Clock.systemUTC(),
                      config.getBytes("archipelago.s3.min-part-size"))
                  ::handle;
            },
            config.getDuration("archipelago.http.shutdown-grace"),
            tls)
        .thenApply(
            binding -> {
              engine.sync().targets().addGatewayPort(binding.localAddress().getPort());
              printBanner(config, binding, keys, ServerTls.scheme(tls));
              return Optional.of(binding);
            });
  }

  /**
   * The {@code s3api} section of {@code /info} when the S3 API is on, with the names and meaning of
   * Swift's s3api: its bounds, the least part size, and no S3 ACLs.
   */
  public static void capabilities(ObjectNode root, Config config) {
    if (!config.getBoolean("archipelago.s3.enabled")) {
      return;
    }
    ObjectNode s3api = root.putObject("s3api");
    s3api.put("max_bucket_listing", 1000);
    s3api.put("max_parts_listing", 1000);
    s3api.put("max_upload_part_num", MultipartEtag.MAX_PARTS);
    s3api.put("max_multi_delete_objects", DeleteObjects.MAX_KEYS);
    s3api.put("allow_multipart_uploads", true);
    s3api.put("min_segment_size", config.getBytes("archipelago.s3.min-part-size"));
    s3api.put("s3_acl", false);
  }

  private static void printBanner(
      Config config, HttpServer.Binding binding, S3AccessKeys keys, String scheme) {
    String url =
        scheme
            + "://"
            + binding.localAddress().getHostString()
            + ":"
            + binding.localAddress().getPort();
    StringBuilder sb = new StringBuilder();
    sb.append("  S3 API:      ")
        .append(url)
        .append("  (path-style, AWS Signature V4, any region)\n");
    if (config.getBoolean("archipelago.auth.print-credentials")) {
      sb.append("  S3 keys (access key id / secret):\n");
      keys.secrets()
          .forEach(
              (id, secret) ->
                  sb.append("    ").append(id).append(" / ").append(secret).append('\n'));
      sb.append(
              "  Try: AWS_ACCESS_KEY_ID=test:tester AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url ")
          .append(url)
          .append(" s3 ls\n");
    }
    System.out.println(sb);
    System.out.flush();
  }
}
