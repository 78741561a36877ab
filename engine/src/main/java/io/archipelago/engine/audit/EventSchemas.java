package io.archipelago.engine.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.account.AccountEntity;
import io.archipelago.engine.backend.BackendRegistryEntity;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.drain.DrainEntity;
import io.archipelago.persistence.audit.EventSchema;

/**
 * The logical names and schema versions of every persisted event, with the upcasters that read
 * older versions. To change an event: raise its version here and add one upcaster that rewrites the
 * previous version's JSON tree into the new shape; never change a stored version's meaning.
 */
public final class EventSchemas {

  private EventSchemas() {}

  public static final EventSchema<ContainerEntity.Event> CONTAINER =
      EventSchema.builder(ContainerEntity.Event.class)
          .type("ContainerCreated", ContainerEntity.ContainerCreated.class)
          .type("ContainerMetadataUpdated", ContainerEntity.ContainerMetadataUpdated.class)
          .type("ObjectWritten", ContainerEntity.ObjectWritten.class)
          .type("ObjectDeleted", ContainerEntity.ObjectDeleted.class)
          .type("ContainerDeleted", ContainerEntity.ContainerDeleted.class)
          .type("ReplicaSyncProgressed", ContainerEntity.ReplicaSyncProgressed.class)
          .type("ReplicaSyncFailed", ContainerEntity.ReplicaSyncFailed.class)
          .type("SyncConflictResolved", ContainerEntity.SyncConflictResolved.class)
          .type("ReplicaReconciled", ContainerEntity.ReplicaReconciled.class)
          .type("FailoverWriteRecorded", ContainerEntity.FailoverWriteRecorded.class)
          .type("FailoverWriteResolved", ContainerEntity.FailoverWriteResolved.class)
          .type("DamagedEventSkipped", ContainerEntity.DamagedEventSkipped.class)
          .type("ObjectMetadataReplaced", ContainerEntity.ObjectMetadataReplaced.class)
          .type("MigrationStarted", ContainerEntity.MigrationStarted.class)
          .type("MigrationProgressed", ContainerEntity.MigrationProgressed.class)
          .type("MigrationVerified", ContainerEntity.MigrationVerified.class)
          .type("MigrationCopiesRetried", ContainerEntity.MigrationCopiesRetried.class)
          .type("MigrationCutOver", ContainerEntity.MigrationCutOver.class)
          .type("MigrationSourceCleaned", ContainerEntity.MigrationSourceCleaned.class)
          .type("MigrationCompleted", ContainerEntity.MigrationCompleted.class)
          .type("MigrationCancelled", ContainerEntity.MigrationCancelled.class)
          .type("MigrationCancelSettled", ContainerEntity.MigrationCancelSettled.class)
          .type("MigrationFailed", ContainerEntity.MigrationFailed.class)
          .type("ReplicaMigrationStarted", ContainerEntity.ReplicaMigrationStarted.class)
          .build();

  public static final EventSchema<AccountEntity.Event> ACCOUNT =
      EventSchema.builder(AccountEntity.Event.class)
          .type("ContainerListed", AccountEntity.ContainerListed.class)
          .type("ContainerUnlisted", AccountEntity.ContainerUnlisted.class)
          // v1 had no audit info: stats refreshes are the gateway's own work.
          .type(
              "ContainerStatsRefreshed",
              AccountEntity.ContainerStatsRefreshed.class,
              2,
              EventSchemas::systemAudit)
          .type("AccountMetadataUpdated", AccountEntity.AccountMetadataUpdated.class)
          .build();

  public static final EventSchema<BackendRegistryEntity.Event> REGISTRY =
      EventSchema.builder(BackendRegistryEntity.Event.class)
          .type("BackendAdded", BackendRegistryEntity.BackendAdded.class)
          .type("BackendStateChanged", BackendRegistryEntity.BackendStateChanged.class)
          .type("BackendRemoved", BackendRegistryEntity.BackendRemoved.class)
          .build();

  public static final EventSchema<DrainEntity.Event> DRAIN =
      EventSchema.builder(DrainEntity.Event.class)
          .type("DrainStarted", DrainEntity.DrainStarted.class)
          .type("DrainContainersQueued", DrainEntity.ContainersQueued.class)
          .type("DrainContainerMoving", DrainEntity.ContainerMoving.class)
          .type("DrainContainerMoved", DrainEntity.ContainerMoved.class)
          .type("DrainContainerFailed", DrainEntity.ContainerFailed.class)
          .type("DrainContainersRetried", DrainEntity.ContainersRetried.class)
          .type("DrainPaused", DrainEntity.DrainPaused.class)
          .type("DrainResumed", DrainEntity.DrainResumed.class)
          .type("DrainCancelled", DrainEntity.DrainCancelled.class)
          .type("DrainCompleted", DrainEntity.DrainCompleted.class)
          .type("DrainStalled", DrainEntity.DrainStalled.class)
          .build();

  /** Upcaster: an event that had no audit info gets the system principal, time unknown. */
  static void systemAudit(ObjectNode event) {
    if (!event.hasNonNull("audit")) {
      ObjectNode audit = event.putObject("audit");
      audit.put("principal", "system");
      audit.put("account", "");
      audit.put("clientAddress", "");
      audit.put("node", "");
      audit.put("requestId", "");
      audit.putNull("at");
    }
  }
}
