package io.archipelago.engine.store.s3;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreContract;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.engine.testing.S3ProxyServer;
import java.util.HashMap;
import java.util.Map;

/**
 * The object store contract on a real S3 server (S3Proxy, filesystem provider, on loopback), in
 * prefix mode with small parts (an object above 8 MiB is a multipart upload).
 */
class S3ObjectStoreContractIT extends ObjectStoreContract {

  private ObjectStore defaults;

  @Override
  protected ObjectStore openStore(ActorTestKit testKit) {
    S3ProxyServer server = RealBackends.get().s3();
    Map<String, String> settings = new HashMap<>(server.driverSettings("prefix", "contract-tests"));
    settings.put("part-size", "5MiB");
    settings.put("multipart-threshold", "8MiB");
    defaults =
        new S3ObjectStore(
            "s3d",
            new DriverSettings(
                "s3d", new HashMap<>(server.driverSettings("prefix", "contract-tests"))),
            0,
            testKit.system());
    return new S3ObjectStore("s3", new DriverSettings("s3", settings), 0, testKit.system());
  }

  /** S3 keeps 2 KB of user metadata with an object; Swift allows 4 KB. */
  @Override
  protected boolean keepsSwiftsLargestMetadata() {
    return false;
  }

  /** The default settings: a multipart upload with 16 MiB parts. */
  @Override
  protected ObjectStore largeObjectStore() {
    return defaults;
  }
}
