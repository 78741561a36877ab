package io.archipelago.engine.store.swift;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreContract;
import io.archipelago.engine.store.remote.DriverSettings;
import io.archipelago.engine.testing.RealBackends;
import io.archipelago.testing.SwiftCluster;
import java.util.List;

/** The object store contract on a real Swift cluster (Debian's packages, on loopback). */
class SwiftObjectStoreContractIT extends ObjectStoreContract {

  @Override
  protected ObjectStore openStore(ActorTestKit testKit) {
    SwiftCluster cluster = RealBackends.get().swiftA();
    return new SwiftObjectStore(
        "swift-" + cluster.name(),
        new DriverSettings("swift-" + cluster.name(), cluster.driverSettings("contract_")),
        0,
        testKit.system());
  }

  /** A name outside the Basic Multilingual Plane, which Swift keeps. */
  @Override
  protected List<String> extraListingNames() {
    return List.of("\ud83d\ude00");
  }
}
