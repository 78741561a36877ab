package io.archipelago.engine.store.remote;

import akka.Done;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import java.util.concurrent.CompletionStage;

/** A store behind the network, which can be probed for health. */
public interface RemoteObjectStore extends ObjectStore {

  /**
   * A cheap request that succeeds only when the backend serves requests (credentials included);
   * fails with {@link ObjectStoreException.BackendUnavailable}.
   */
  CompletionStage<Done> probe();
}
