-- Journal, tags and snapshots as akka-persistence-jdbc 5.2.1 expects them (H2 2.x), the
-- projection offset store and the sync bookkeeping,
-- written so that every statement can run again on an existing database.
CREATE TABLE IF NOT EXISTS "event_journal" (
    "ordering" BIGINT UNIQUE NOT NULL AUTO_INCREMENT,
    "deleted" BOOLEAN DEFAULT false NOT NULL,
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "writer" VARCHAR NOT NULL,
    "write_timestamp" BIGINT NOT NULL,
    "adapter_manifest" VARCHAR NOT NULL,
    "event_payload" BLOB NOT NULL,
    "event_ser_id" INTEGER NOT NULL,
    "event_ser_manifest" VARCHAR NOT NULL,
    "meta_payload" BLOB,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    PRIMARY KEY("persistence_id", "sequence_number")
);
CREATE UNIQUE INDEX IF NOT EXISTS "event_journal_ordering_idx" ON "event_journal" ("ordering");
CREATE TABLE IF NOT EXISTS "event_tag" (
    "event_id" BIGINT NOT NULL,
    "tag" VARCHAR NOT NULL,
    PRIMARY KEY("event_id", "tag"),
    CONSTRAINT "fk_event_journal" FOREIGN KEY("event_id")
      REFERENCES "event_journal"("ordering") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "snapshot" (
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "created" BIGINT NOT NULL,
    "snapshot_ser_id" INTEGER NOT NULL,
    "snapshot_ser_manifest" VARCHAR NOT NULL,
    "snapshot_payload" BLOB NOT NULL,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    "meta_payload" BLOB,
    PRIMARY KEY("persistence_id", "sequence_number")
);
-- Offset store and management table of Akka Projection 1.4.0 (JDBC, h2-dialect, lower case).
CREATE TABLE IF NOT EXISTS "akka_projection_offset_store" (
    "projection_name" VARCHAR(255) NOT NULL,
    "projection_key" VARCHAR(255) NOT NULL,
    "current_offset" VARCHAR(255) NOT NULL,
    "manifest" VARCHAR(4) NOT NULL,
    "mergeable" BOOLEAN NOT NULL,
    "last_updated" BIGINT NOT NULL,
    PRIMARY KEY("projection_name", "projection_key")
);
CREATE INDEX IF NOT EXISTS "akka_projection_name_index" ON "akka_projection_offset_store" ("projection_name");
CREATE TABLE IF NOT EXISTS "akka_projection_management" (
    "projection_name" VARCHAR(255) NOT NULL,
    "projection_key" VARCHAR(255) NOT NULL,
    "paused" BOOLEAN NOT NULL,
    "last_updated" BIGINT NOT NULL,
    PRIMARY KEY("projection_name", "projection_key")
);
-- Replicated containers as the sync projection saw them created, by tag slice: what the
-- reconciler walks.
CREATE TABLE IF NOT EXISTS "archipelago_sync_container" (
    "persistence_id" VARCHAR(255) NOT NULL,
    "slice" INTEGER NOT NULL,
    "account" VARCHAR(1024) NOT NULL,
    "container" VARCHAR(1024) NOT NULL,
    "primary_backend" VARCHAR(255) NOT NULL,
    "replica_backends" VARCHAR(4096) NOT NULL,
    PRIMARY KEY("persistence_id")
);
CREATE INDEX IF NOT EXISTS "archipelago_sync_container_slice_idx" ON "archipelago_sync_container" ("slice");
-- Swift container sync to an external cluster (X-Container-Sync-To / -Key).
ALTER TABLE "archipelago_sync_container" ADD COLUMN IF NOT EXISTS "sync_to" VARCHAR(2048) DEFAULT '' NOT NULL;
ALTER TABLE "archipelago_sync_container" ADD COLUMN IF NOT EXISTS "sync_key" VARCHAR(1024) DEFAULT '' NOT NULL;
-- The head of every entity's audit chain (sequence number and hash of its newest event), kept
-- outside the rows it protects so that removing an entity's newest events, or all of them, is
-- detected by `audit verify`. Maintained by a trigger in the transaction of the journal insert
-- itself (ChainHeadTrigger: H2 triggers are Java classes); it only moves forward.
CREATE TABLE IF NOT EXISTS "archipelago_audit_head" (
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "event_hash" VARBINARY(32),
    PRIMARY KEY("persistence_id")
);
CREATE TRIGGER IF NOT EXISTS "archipelago_audit_head_advance" AFTER INSERT ON "event_journal"
    FOR EACH ROW CALL 'io.archipelago.persistence.audit.ChainHeadTrigger';
-- One-time data steps already done (e.g. chain heads initialised from an existing journal).
CREATE TABLE IF NOT EXISTS "archipelago_schema_step" (
    "step" VARCHAR(255) NOT NULL,
    "done_at" BIGINT NOT NULL,
    PRIMARY KEY("step")
);
-- The cluster lease (see postgres-schema.sql). A single H2 node never reads it: its embedded file
-- database cannot be shared, so a second writer is impossible there.
CREATE TABLE IF NOT EXISTS archipelago_cluster_lease (
    lease_name VARCHAR(64) NOT NULL,
    incarnation VARCHAR(64) NOT NULL,
    holder VARCHAR(512) NOT NULL,
    heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY(lease_name)
);
