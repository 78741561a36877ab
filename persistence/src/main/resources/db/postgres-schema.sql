-- Journal, tags and snapshots as akka-persistence-jdbc 5.2.1 expects them (PostgreSQL),
-- written so that every statement can run again on an existing database.
CREATE TABLE IF NOT EXISTS event_journal (
  ordering BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  deleted BOOLEAN DEFAULT FALSE NOT NULL,
  writer VARCHAR(255) NOT NULL,
  write_timestamp BIGINT,
  adapter_manifest VARCHAR(255),
  event_ser_id INTEGER NOT NULL,
  event_ser_manifest VARCHAR(255) NOT NULL,
  event_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY(persistence_id, sequence_number)
);
CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON event_journal(ordering);
CREATE TABLE IF NOT EXISTS event_tag (
  event_id BIGINT,
  tag VARCHAR(256),
  PRIMARY KEY(event_id, tag),
  CONSTRAINT fk_event_journal FOREIGN KEY(event_id)
    REFERENCES event_journal(ordering) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS snapshot (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,
  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest VARCHAR(255) NOT NULL,
  snapshot_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY(persistence_id, sequence_number)
);
-- Offset store and management table of Akka Projection 1.4.0 (JDBC, postgres-dialect, lower case).
CREATE TABLE IF NOT EXISTS akka_projection_offset_store (
  projection_name VARCHAR(255) NOT NULL,
  projection_key VARCHAR(255) NOT NULL,
  current_offset VARCHAR(255) NOT NULL,
  manifest VARCHAR(4) NOT NULL,
  mergeable BOOLEAN NOT NULL,
  last_updated BIGINT NOT NULL,
  PRIMARY KEY(projection_name, projection_key)
);
CREATE INDEX IF NOT EXISTS akka_projection_name_index ON akka_projection_offset_store (projection_name);
CREATE TABLE IF NOT EXISTS akka_projection_management (
  projection_name VARCHAR(255) NOT NULL,
  projection_key VARCHAR(255) NOT NULL,
  paused BOOLEAN NOT NULL,
  last_updated BIGINT NOT NULL,
  PRIMARY KEY(projection_name, projection_key)
);
-- Replicated containers as the sync projection saw them created, by tag slice: what the
-- reconciler walks.
CREATE TABLE IF NOT EXISTS archipelago_sync_container (
  persistence_id VARCHAR(255) NOT NULL,
  slice INTEGER NOT NULL,
  account VARCHAR(1024) NOT NULL,
  container VARCHAR(1024) NOT NULL,
  primary_backend VARCHAR(255) NOT NULL,
  replica_backends VARCHAR(4096) NOT NULL,
  PRIMARY KEY(persistence_id)
);
CREATE INDEX IF NOT EXISTS archipelago_sync_container_slice_idx ON archipelago_sync_container (slice);
-- Swift container sync to an external cluster (X-Container-Sync-To / -Key).
ALTER TABLE archipelago_sync_container ADD COLUMN IF NOT EXISTS sync_to VARCHAR(2048) DEFAULT '' NOT NULL;
ALTER TABLE archipelago_sync_container ADD COLUMN IF NOT EXISTS sync_key VARCHAR(1024) DEFAULT '' NOT NULL;
-- The cluster lease (ClusterLease in the engine): the one row says which gateway cluster writes
-- this journal. Every member of that cluster renews it; a node refuses to form a second cluster
-- while the heartbeat (database clock) is fresh.
CREATE TABLE IF NOT EXISTS archipelago_cluster_lease (
  lease_name VARCHAR(64) NOT NULL,
  incarnation VARCHAR(64) NOT NULL,
  holder VARCHAR(512) NOT NULL,
  heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY(lease_name)
);
